import { joinURL } from 'ufo'

const ABSOLUTE_URL = /^https?:\/\//i

/** Whether an endpoint's path names another server (then it gets no visitor headers but the cookie). */
export const isAbsoluteURL = (url: string) => ABSOLUTE_URL.test(url)

/** An endpoint's URL: its path under `baseURL`, or the path itself when it is a full URL. */
export function endpointURL(baseURL: string, path: string): string {
  return isAbsoluteURL(path) ? path : joinURL(baseURL, path)
}
