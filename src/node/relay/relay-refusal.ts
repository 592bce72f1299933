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
    /** True when the request's body is left unread: the answer carries `connection: close`. */
    readonly closeConnection = false,
  ) {
    super(message);
  }
}
