import { Foundation1763870000000 } from './1763870000000-Foundation';

/** Every migration, oldest first. A new migration file is added here too. */
export const allMigrations = [Foundation1763870000000];
