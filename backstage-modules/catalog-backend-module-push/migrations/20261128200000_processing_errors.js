// @ts-check

/**
 * Processing errors the catalog published (events topic `experimental.catalog.errors`)
 * for pushed entities, so the status route of any replica can report an entity the
 * catalog has never processed successfully as failed rather than pending.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('stagedoor_push_processing_errors', table => {
    table.comment(
      'Latest catalog processing errors of a pushed entity, as published on the events service',
    );
    table
      .string('entity_ref', 512)
      .primary()
      .notNullable()
      .comment('kind:namespace/name, lower-cased');
    table
      .string('source_key', 512)
      .notNullable()
      .comment('Source that owned the entity when the errors were received');
    table
      .string('commit', 64)
      .notNullable()
      .comment(
        'Commit of the entity (stagedoor_push_entities.commit) the errors belong to',
      );
    table
      .string('content_hash', 64)
      .notNullable()
      .comment(
        'Content hash of the entity the errors belong to; the errors are current only while it matches',
      );
    table
      .text('errors')
      .notNullable()
      .comment('JSON array of { name, message }, as the catalog reported them');
    table
      .dateTime('received_at')
      .notNullable()
      .comment(
        'When the errors were received (clock of the receiving replica)',
      );
    table.index(['source_key'], 'stagedoor_push_processing_errors_source_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('stagedoor_push_processing_errors');
};
