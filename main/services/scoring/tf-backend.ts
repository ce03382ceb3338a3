/**
 * TensorFlow.js for scoring: `@tensorflow/tfjs-node` where its native binding is installed, else
 * the wasm backend (files from the installed package, never a CDN), else cpu. Says which once.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type TfBackend = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<{ backend: TfBackend; why: string }> | undefined;

// A variable specifier: bundlers must not try to resolve the optional native package.
const TFJS_NODE = '@tensorflow/tfjs-node';

export function initTf(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<{ backend: TfBackend; why: string }> {
  chosen ??= (async () => {
    let why = '';
    try {
      await import(TFJS_NODE);
      if (await tf.setBackend('tensorflow')) {
        log('scoring model backend: tensorflow (tfjs-node)');
        return { backend: 'tensorflow' as const, why: 'tfjs-node native binding loaded' };
      }
    } catch (e) {
      why = `tfjs-node unavailable (${(e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 120)})`;
    }
    try {
      const require = createRequire(import.meta.url);
      setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
      if (await tf.setBackend('wasm')) {
        log(`scoring model backend: wasm — ${why}`);
        return { backend: 'wasm' as const, why };
      }
    } catch (e) {
      why += `; wasm failed (${e instanceof Error ? e.message : String(e)})`;
    }
    await tf.setBackend('cpu');
    log(`scoring model backend: cpu — ${why}`);
    return { backend: 'cpu' as const, why };
  })();
  return chosen;
}

export { tf };
