/** The key every test process encrypts destination secrets with, so in-process apps and spawned workers agree. */
export const TEST_SECRET_KEY = 'itinera-test-secret-key';
