export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { itineraTestServer?: { stop(): Promise<void> } }).itineraTestServer;
  await server?.stop();
}
