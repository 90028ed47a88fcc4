// The app's Auth.js config file (provider.configFile), aliased by the module when it exists.
declare module '#auth-config' {
  const config: import('@auth/core').AuthConfig
  export default config
}
