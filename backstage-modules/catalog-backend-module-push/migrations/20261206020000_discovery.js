// @ts-check

/**
 * Discovery state: one row per Azure DevOps repository discovery has seen, with the
 * default-branch head it last read (so a run where nothing moved reads no files).
 * The entities themselves live in stagedoor_push_sources / stagedoor_push_entities,
 * under the repository's source key, like pushed ones.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('stagedoor_discovery_repositories', table => {
    table.comment(
      'Repositories found by Stagedoor discovery and what it last read from them',
    );
    table
      .string('repository_id', 255)
      .primary()
      .notNullable()
      .comment('Repository GUID');
    table
      .text('organization_url')
      .notNullable()
      .comment('Organization (collection) URL as configured, normalised');
    table.string('project', 255).notNullable().comment('Team project name');
    table
      .string('repository_name', 255)
      .notNullable()
      .comment('Repository name');
    table
      .string('source_key', 512)
      .notNullable()
      .comment(
        'org/project/repo@defaultBranch, lower-cased (the push source key)',
      );
    table
      .string('head_commit', 64)
      .nullable()
      .comment(
        'Default-branch head last read; null when it must be read again',
      );
    table
      .string('fingerprint', 64)
      .notNullable()
      .comment(
        'Hash of the discovery settings that shape entities at that read',
      );
    table
      .string('state', 32)
      .notNullable()
      .comment(
        'placeholder | catalog-file | invalid | conflict | pushed (owned by its push source)',
      );
    table
      .text('problems')
      .notNullable()
      .comment(
        'JSON array of validation problems of the catalog files, if any',
      );
    table
      .dateTime('checked_at')
      .notNullable()
      .comment('When discovery last read the repository');
    table.index(
      ['organization_url'],
      'stagedoor_discovery_repositories_org_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('stagedoor_discovery_repositories');
};
