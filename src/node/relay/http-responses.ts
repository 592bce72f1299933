/** Writes the relay's HTTP answers: never cached, and `connection: close` while the relay shuts down. */
import type http from 'node:http';

/** True when `res` can still be answered: not answered yet and its client has not left. */
export function canAnswer(res: http.ServerResponse): boolean {
  return !(res.headersSent || res.writableEnded || res.destroyed);
}

export class HttpResponder {
  /** @param isClosing true once the relay shuts down. */
  constructor(private readonly isClosing: () => boolean) {}

  /**
   * Answers `res` with `status` and an optional body (JSON unless `contentType` says otherwise),
   * with `extra` headers under the relay's own; nothing if it cannot be answered.
   */
  send(
    res: http.ServerResponse,
    status: number,
    body?: Uint8Array | string,
    contentType?: string,
    extra?: Readonly<Record<string, string>>,
  ): void {
    if (!canAnswer(res)) return;
    const headers: Record<string, string | number> = { ...extra, 'cache-control': 'no-store' };
    if (this.isClosing()) headers.connection = 'close';
    if (body !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    }
    res.writeHead(status, headers);
    res.end(body);
  }

  /** Answers with an error: `status` and the JSON body `{ error, message }`. */
  sendError(res: http.ServerResponse, status: number, error: string, message: string): void {
    this.send(res, status, JSON.stringify({ error, message }));
  }
}
