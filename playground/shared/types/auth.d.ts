// Types `useAuth().data` and the server utilities' session as GET /api/auth/session returns it (shared: the app and Nitro).
declare module '#auth' {
  interface SessionData {
    id: string
    name: string
    email: string
    roles: string[]
  }
}

export {}
