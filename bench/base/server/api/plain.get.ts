// An API route with no auth at all: the baseline of "API req/s".
export default defineEventHandler(() => ({ owner: null }))
