// '#gatekeeper-server-config' for the unit tests that load server code: the build's server settings (none here).
export default {}
