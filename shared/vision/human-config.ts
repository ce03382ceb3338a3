/**
 * The one Human (@vladmandic/human) configuration the kiosk uses, in the renderer's worker and in
 * `npm run bench:vision` alike. Only the face detector, the face mesh (head pose) and the iris model
 * run. Every model that estimates emotion, age, gender, identity (face description), liveness or
 * spoofing is switched off EXPLICITLY — not left to Human's defaults, which change between versions —
 * and test/unit/vision/human-config.test.ts fails if any of them is enabled (issue #15; DESIGN §1).
 */

/** The subset of Human's `Partial<Config>` the kiosk sets (kept local so `shared/` needs no Human types). */
export interface VisionHumanConfig {
  readonly backend: 'wasm';
  readonly wasmPath: string;
  readonly wasmPlatformFetch: false;
  readonly modelBasePath: string;
  readonly debug: false;
  readonly async: true;
  readonly warmup: 'none';
  readonly cacheModels: false;
  readonly validateModels: true;
  /** 0: every frame is analysed afresh (a cached result would hide a frozen or covered camera). */
  readonly cacheSensitivity: 0;
  readonly skipAllowed: false;
  readonly filter: { readonly enabled: false };
  readonly gesture: { readonly enabled: false };
  readonly face: {
    readonly enabled: true;
    readonly detector: {
      readonly enabled: true;
      readonly modelPath: 'blazeface.json';
      readonly rotation: true;
      readonly maxDetected: number;
      readonly minConfidence: number;
      readonly iouThreshold: number;
      readonly minSize: number;
      readonly return: false;
      readonly skipFrames: 0;
      readonly skipTime: 0;
    };
    readonly mesh: { readonly enabled: true; readonly modelPath: 'facemesh.json'; readonly keepInvalid: false };
    readonly iris: { readonly enabled: true; readonly modelPath: 'iris.json'; readonly skipFrames: 0; readonly skipTime: 0 };
    readonly attention: { readonly enabled: false };
    readonly description: { readonly enabled: false };
    readonly emotion: { readonly enabled: false };
    readonly antispoof: { readonly enabled: false };
    readonly liveness: { readonly enabled: false };
    readonly gear: { readonly enabled: false };
  };
  readonly body: { readonly enabled: false };
  readonly hand: { readonly enabled: false };
  readonly object: { readonly enabled: false };
  readonly segmentation: { readonly enabled: false };
}

/** The models this configuration loads: exactly the allow-list in build/scripts/copy-models.mjs. */
export const VISION_MODEL_FILES = ['blazeface.json', 'facemesh.json', 'iris.json'] as const;

/**
 * @param modelBasePath our own origin's model folder (e.g. `kiosk://app/models/human/`), never a CDN
 * @param wasmPath our own origin's folder holding tfjs-backend-wasm*.wasm
 */
export function visionHumanConfig(modelBasePath: string, wasmPath: string): VisionHumanConfig {
  return {
    backend: 'wasm',
    wasmPath,
    wasmPlatformFetch: false,
    modelBasePath,
    debug: false,
    async: true,
    warmup: 'none',
    cacheModels: false,
    validateModels: true,
    cacheSensitivity: 0,
    skipAllowed: false,
    filter: { enabled: false },
    gesture: { enabled: false },
    face: {
      enabled: true,
      detector: {
        enabled: true,
        modelPath: 'blazeface.json',
        rotation: true,
        maxDetected: 8,
        // 0.2, not Human's 0.5: at 0.5 no face half out of the frame was found (0/6 in the bench);
        // at 0.2, 5/6, with no extra face on the empty, busy-scene and 2/4-face images. A false extra
        // face only reaches a human after the multiple-faces duration, so recall is the better trade.
        // The sixth is found by the mirror-padded edge rescue pass (shared/vision/edge-rescue.ts),
        // not by lowering this further or keeping invalid meshes (both add faces to empty scenes).
        minConfidence: 0.2,
        iouThreshold: 0.2,
        minSize: 0,
        return: false,
        skipFrames: 0,
        skipTime: 0,
      },
      mesh: { enabled: true, modelPath: 'facemesh.json', keepInvalid: false },
      iris: { enabled: true, modelPath: 'iris.json', skipFrames: 0, skipTime: 0 },
      attention: { enabled: false },
      description: { enabled: false },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
  };
}

/**
 * TensorFlow.js environment flags set BEFORE Human initialises its backend (Human applies its own
 * `flags` only after, too late): one wasm thread. The threaded build would spawn pthread workers from
 * blob: scripts, which the kiosk's CSP (script-src 'self') refuses, and would take more than the
 * one core the bench budgets.
 */
export const VISION_TF_FLAGS = { WASM_HAS_MULTITHREAD_SUPPORT: false } as const;
