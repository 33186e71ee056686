// @ts-check

/**
 * Stagedoor push state: what each source last pushed, and which entities it owns.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('stagedoor_push_sources', table => {
    table.comment(
      'One row per push source (organization/project/repository@branch)',
    );
    table
      .string('source_key', 512)
      .primary()
      .notNullable()
      .comment('org/project/repo@branch, lower-cased');
    table
      .text('organization_url')
      .notNullable()
      .comment('Azure DevOps organization URL');
    table.string('project', 255).notNullable().comment('Team project name');
    table
      .string('repository_name', 255)
      .notNullable()
      .comment('Repository name');
    table
      .string('repository_id', 255)
      .nullable()
      .comment('Repository GUID, when sent');
    table
      .string('branch', 255)
      .notNullable()
      .comment('Branch the files were read from');
    table
      .string('commit', 64)
      .notNullable()
      .comment('Commit SHA of the last accepted push');
    table
      .bigInteger('build_id')
      .nullable()
      .comment('Build id of the last accepted push; orders pushes');
    table
      .text('build_url')
      .nullable()
      .comment('Link to the pipeline run of the last accepted push');
    table
      .string('commit_time', 64)
      .nullable()
      .comment(
        'Committer date of the commit (ISO 8601), orders pushes without build id',
      );
    table
      .string('content_hash', 64)
      .notNullable()
      .comment('Hash of the pushed entity set, for idempotent repeats');
    table
      .string('pushed_by', 512)
      .notNullable()
      .comment('Principal subject that pushed');
    table
      .dateTime('pushed_at')
      .notNullable()
      .comment('When the last push was accepted');
    table
      .integer('generation')
      .notNullable()
      .comment('Increments with every accepted push');
    table
      .integer('applied_generation')
      .notNullable()
      .comment(
        'Last generation applied to the catalog; behind generation after a crash',
      );
    table
      .text('pending_removals')
      .notNullable()
      .comment(
        'JSON array of entity refs to remove from the catalog, cleared once applied',
      );
  });
  await knex.schema.createTable('stagedoor_push_entities', table => {
    table.comment(
      'Entities owned by a push source; an entity ref has at most one owner',
    );
    table
      .string('entity_ref', 512)
      .primary()
      .notNullable()
      .comment('kind:namespace/name, lower-cased');
    table
      .string('source_key', 512)
      .notNullable()
      .references('source_key')
      .inTable('stagedoor_push_sources')
      .onDelete('CASCADE')
      .comment('Owning source');
    table
      .text('location_key')
      .notNullable()
      .comment('locationKey given to the catalog (url:<file URL>)');
    table
      .text('entity')
      .notNullable()
      .comment('The entity as applied (JSON), with annotations');
    table
      .string('content_hash', 64)
      .notNullable()
      .comment('Hash without provenance, to tell changed from unchanged');
    table
      .string('commit', 64)
      .notNullable()
      .comment('Commit at which this entity last changed');
    table.index(['source_key'], 'stagedoor_push_entities_source_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('stagedoor_push_entities');
  await knex.schema.dropTable('stagedoor_push_sources');
};
