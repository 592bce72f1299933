/** Public wire API: frames, ETP.DAT and the protocol messages, for tools that build and inspect them. */
export { encodeCbor, decodeCbor, MAX_FRAME_BYTES } from './cbor.js';
export { PROTOCOL_VERSION, MESSAGE_TYPES, encodeFrame, decodeFrame, frameAssociatedData } from './frame.js';
export type { Frame, MessageType } from './frame.js';
export { encodeEtpDat, decodeEtpDat, ETP_DAT_VERSION, MAX_ETP_DAT_BYTES } from './etp/etp-dat.js';
export type { EtpDat } from './etp/etp-dat.js';
export { encodeEtpHeader, decodeEtpHeader, CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from './etp/etp-header.js';
export type { EtpHeader, HandsetRouting } from './etp/etp-header.js';
export { sealEtpBody, openEtpBody, BODY_KEY_LENGTH } from './etp/etp-body.js';
export type { EtpBody, DeviceInfo, DeviceCapabilities, SealedBody } from './etp/etp-body.js';
export { decodeServerShare, encodeServerShare, encodeServerRouting, sessionDigest } from './messages/server-share.js';
export type { ServerShare, ServerRouting } from './messages/server-share.js';
export { decodeKeyIssue, decodeKeyGrant } from './messages/key-issue.js';
export type { KeyIssue, KeyGrant, ServerInfo } from './messages/key-issue.js';
export { decodeErrorMessage, encodeErrorMessage, errorText, openErrorBody, sealErrorBody } from './messages/error-message.js';
export type { ErrorKey, ErrorMessage } from './messages/error-message.js';
