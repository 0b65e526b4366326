// Core: zod/mini (the tree-shakable zod) with the English messages classic zod loads on import.
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
