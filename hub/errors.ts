/** An error the hub answers with its status and a stable code: `{error: {code, message}}`. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
