/** Emails compare case-insensitively: stored and looked up lowercased (a CHECK keeps the column so). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
