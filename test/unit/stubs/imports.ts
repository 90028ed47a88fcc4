// '#imports' for the unit tests that load server code: the runtime config Nitro would hand it.
export const runtimeConfig: { public: { auth?: Record<string, unknown> }, auth?: Record<string, unknown>, app: { baseURL: string } } = { public: {}, app: { baseURL: '/' } }
export const useRuntimeConfig = () => runtimeConfig
