import config from '#auth-config'
import { NuxtAuthHandler } from './handler'

// Registered by the module at `{baseURL}/**` when the app has its Auth.js config file (provider.configFile).
export default NuxtAuthHandler(config)
