import { kiosk } from '../ipc/kiosk';
import { RemuxQueue } from './remux';

/** The page's one remux queue: jobs outlive the question screen that recorded them. */
export const remuxQueue = new RemuxQueue(
  (req) => kiosk().storeRemux(req),
  () => document.baseURI,
);
