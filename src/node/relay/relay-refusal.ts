/**
 * A request the relay refuses: the HTTP status it answers with (or refuses a WebSocket upgrade
 * with), the error code and the message of the JSON body `{ error, message }`
 * (docs/transports.md, "Endpoints").
 */
export class RelayRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
