import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', '.venv*/', '.cdcctl/', 'runtime/', 'glue-jobs/', 'terraform/', 'airflow/', 'bench/out/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      'no-console': 'error',
    },
  },
  {files: ['test/**/*.ts', 'bench/**/*.ts'], rules: {'no-console': 'off', '@typescript-eslint/no-unused-expressions': 'off'}},
  {files: ['bin/*.js', 'scripts/*.js', 'test/*.js', 'docker/**/*.js'], languageOptions: {globals: {require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly'}}, rules: {'@typescript-eslint/no-require-imports': 'off'}},
)
