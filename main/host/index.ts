// The browser host: the built renderer and the API over a loopback WebSocket.
export { startHost, securityHeaders, tokenMatches, MAX_MESSAGE_BYTES, type Host, type HostOptions } from './server';
export { serve, openBrowser, browserCommand, type ServeOptions } from './serve';
