/** An error answered in Calendar v3's JSON shape: `{ error: { errors: [{ domain, reason, message }], code, message } }`. */
export class FakeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly domain = 'global',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): unknown {
    return { error: { errors: [{ domain: this.domain, reason: this.reason, message: this.message }], code: this.status, message: this.message } };
  }
}

export const badRequest = (message: string, reason = 'invalid') => new FakeApiError(400, reason, message);
