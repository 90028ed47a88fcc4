// Types `useAuth().data` as what GET /api/auth/session returns (server/api/auth/session.get.ts).
declare module '#auth' {
  interface SessionData {
    id: string
    name: string
    email: string
  }
}

export {}
