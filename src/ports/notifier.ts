/** A message for a person: an alert, a closed position, a halted account. */
export interface Notification {
  readonly severity: 'info' | 'warning' | 'critical';
  readonly title: string;
  readonly body: string;
  readonly accountId?: string;
  /** The event that caused it, for a link back into the log. */
  readonly eventId?: string;
}

/** Sends notifications to people (log, webhook, Discord, Telegram). Never throws on delivery failure. */
export interface Notifier {
  /** Delivers or queues a notification; resolves whether or not delivery succeeded. */
  notify(notification: Notification): Promise<void>;
  close(): Promise<void>;
}
