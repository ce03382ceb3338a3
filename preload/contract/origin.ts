/** The origin the Electron shell serves the renderer from (a privileged, standard scheme). */
export const APP_ORIGIN = 'app://kiosk';
