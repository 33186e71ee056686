// @ts-check

/**
 * Service hook deliveries already accepted, by Azure DevOps notification event id, so
 * a redelivery of the same event changes nothing (on every replica).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('stagedoor_hook_deliveries', table => {
    table.comment(
      'Azure DevOps service hook events accepted by the Stagedoor hook receiver',
    );
    table
      .string('event_id', 255)
      .primary()
      .notNullable()
      .comment('The event payload `id` (notification event id)');
    table
      .string('event_type', 255)
      .notNullable()
      .comment('The event payload `eventType`, e.g. git.push');
    table
      .dateTime('received_at')
      .notNullable()
      .comment('When the receiver first accepted the event');
    table.index(['received_at'], 'stagedoor_hook_deliveries_received_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('stagedoor_hook_deliveries');
};
