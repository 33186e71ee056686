// ESLint flat config: typescript-eslint's recommended rules over all TypeScript sources.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'dist-types/**',
      // Local state (SQLite files, the benchmark's create-app reference app) and interrupted builds.
      '.stagedoor/**',
      '**/dist.building-*/**',
      '**/skeleton/**',
      'backstage-modules/*/migrations/**/*.js',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
