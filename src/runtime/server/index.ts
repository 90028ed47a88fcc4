// What the module's server routes and the providers' server halves share (alias `#auth-server`).
export { maxBodyBytes, readBodyWithin, readJsonWithin } from './body'
export { serverAuthConfig } from './config'
export { visitorProtocol } from '../shared/server-visitor-protocol'
