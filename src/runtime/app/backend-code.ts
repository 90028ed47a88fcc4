// The browser's one lazy chunk of code that calls the backend: the provider's strategy, sign-in and sign-up, and
// the request itself (every check, refresh and sign-out goes through it). A page the server rendered and checked
// calls nothing until one of those happens, so its first load does without this code: ./backend-loader.ts imports
// it when first needed, and once nobody is signed in the browser loads it ahead of a sign-in (./scheduling.ts).
export { browserStrategy } from '#auth-provider'
export { createSignIn } from './sign-in'
export { requestEndpoint } from '../shared/request'
