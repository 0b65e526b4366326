// Core messages: how many locks a run's messages show whole; the others are counted, never shown.

/** Locks the e-mail shows in full (the chat digest's lines hold fewer): the first in the news' order. */
export const MAX_SHOWN = 100;
/** Stale-lock chat notifications per run: the first locks that need a person. */
export const MAX_LOCK_NOTIFICATIONS = 10;
/** Lines of the one chat notification that lists the locks beyond those (its characters hold fewer). */
export const MAX_OVERFLOW_LINES = 100;
/** Locks that need a person shown whole in chat: a notification each, then a line each. */
export const MAX_PERSON_SHOWN = MAX_LOCK_NOTIFICATIONS + MAX_OVERFLOW_LINES;
