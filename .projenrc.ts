import { javascript, typescript, JsonFile, TextFile } from 'projen';

/** Python packages for glue-scripts/ and emr/ and the Python-side tests (pinned: pyspark matches EMR 7). */
const PYTHON_REQUIREMENTS = [
  'pyspark==3.5.7',
  'moto[server]==5.2.5',
  'boto3==1.44.5',
  'pyarrow==26.0.1',
  'pytest==9.2.0',
  'simple-salesforce==1.12.10',
  // The AWS CLI the docs' commands use (run against moto by test/docs).
  'awscli==1.46.3',
];

const project = new typescript.TypeScriptProject({
  name: 's3-salesforce-etl',
  description:
    'Load CSV files from Amazon S3 into Salesforce (Bulk API 2.0) and log every record as Glue-registered Parquet.',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  typescriptVersion: '~5.9.3',
  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  buildWorkflow: false,
  licensed: true,
  license: 'Apache-2.0',
  prettier: true,
  prettierOptions: { settings: { singleQuote: true, printWidth: 120, trailingComma: javascript.TrailingComma.ALL } },
  bin: { sfetl: 'bin/sfetl.js' },
  deps: [
    'jsforce@^3.10.26',
    'csv-parse@^7',
    'csv-stringify@^6',
    'yaml@^2',
    'tsx@^4.21',
    '@aws-sdk/client-s3@^3',
    '@aws-sdk/client-glue@^3',
    '@aws-sdk/client-secrets-manager@^3',
    '@aws-sdk/client-cloudwatch@^3',
    '@aws-sdk/lib-storage@^3',
    '@duckdb/node-api@1.5.6-r.1',
    'aws-cdk-lib@^2.276.0',
    'constructs@^10.8.1',
    'cdk-nag@^3.0.2',
  ],
  devDeps: [
    'node@^22.23.3',
    '@types/node@^22',
    'esbuild@^0.28.2',
    'fast-check@^4.10.2',
    // The CDK CLI: aws-cdk@3.0.0 is an old build that cannot read aws-cdk-lib 2.276's cloud assembly (schema 55).
    'aws-cdk@^2.1148.1',
    'playwright-core@^1.65.1',
  ],
  tsconfig: {
    // rootDir is the repository: src/ imports the workspace packages' public index by relative path (packages/).
    compilerOptions: { target: 'ES2022', lib: ['es2022'], skipLibCheck: true, rootDir: '.' },
  },
  jestOptions: {
    passWithNoTests: false,
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // The workspace packages' tests run in the same jest run (`npm test`), each package also on its own.
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/packages/*/test/**/*.test.ts'],
      collectCoverage: false,
      testTimeout: 120_000,
      maxWorkers: 2,
    },
  },
  gitignore: [
    '/.venv/',
    // Git worktrees of this repository link these to the main checkout's: a symlink is not a directory to git.
    '/.venv',
    '/node_modules',
    '/.sfetl',
    '/.sfetl/',
    '__pycache__/',
    '.pytest_cache/',
    '/metastore_db/',
    '/spark-warehouse/',
    'derby.log',
    '/cdk.out/',
  ],
});

/** The workspace packages (packages/<name>): each builds and tests on its own, npm installs them with the root. */
const WORKSPACE_PACKAGES: readonly string[] = [];

/**
 * A package of this repository (docs/architecture.md): a projen subproject with its own package.json, tsconfig and
 * jest tasks, linted and formatted by the root (its eslint zones), installed by the root's `npm install` as an npm
 * workspace (its dependencies are the root's, hoisted). Other folders import only its `src/index.ts`.
 */
function workspacePackage(options: {
  readonly dir: string;
  readonly name: string;
  readonly description: string;
  /** The compiler's rootDir: `..` when the package imports a sibling package's source. @default 'src' */
  readonly rootDir?: string;
  readonly deps?: string[];
  readonly devDeps?: string[];
  /** Folders under src/ that are not TypeScript, copied next to the compiled code. @default none */
  readonly assetDirs?: string[];
}): typescript.TypeScriptProject {
  (WORKSPACE_PACKAGES as string[]).push(options.dir);
  const compilerOptions = { target: 'ES2022', lib: ['es2022'], skipLibCheck: true };
  // With rootDir `..` the compiled files of packages/<name>/src land in lib/<name>/src/.
  const libSrc = options.rootDir === '..' ? `lib/${options.dir.split('/').pop()}/src` : 'lib';
  const pkg = new typescript.TypeScriptProject({
    parent: project,
    outdir: options.dir,
    name: options.name,
    description: options.description,
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.NPM,
    typescriptVersion: '~5.9.3',
    sampleCode: false,
    github: false,
    release: false,
    depsUpgrade: false,
    pullRequestTemplate: false,
    buildWorkflow: false,
    eslint: false,
    prettier: false,
    licensed: true,
    license: 'Apache-2.0',
    entrypoint: `${libSrc}/index.js`,
    entrypointTypes: `${libSrc}/index.d.ts`,
    deps: options.deps,
    // The root's versions, so that npm hoists one copy of each.
    devDeps: ['@types/node@^22', 'jest@^30.5.2', 'ts-jest@^29.4.15', '@types/jest@^30.0.0', ...(options.devDeps ?? [])],
    tsconfig: { compilerOptions: { ...compilerOptions, rootDir: options.rootDir ?? 'src' } },
    jestOptions: {
      passWithNoTests: false,
      updateSnapshot: javascript.UpdateSnapshot.NEVER,
      jestConfig: {
        testMatch: ['<rootDir>/test/**/*.test.ts'],
        collectCoverage: false,
        testTimeout: 120_000,
        maxWorkers: 2,
      },
    },
  });
  // Its tests' tsconfig (test/tsconfig.json, for ts-jest) must reach the sibling package's source too.
  if (options.rootDir === '..') {
    pkg.tryFindObjectFile('test/tsconfig.json')?.addOverride('compilerOptions.rootDir', '../..');
  }
  for (const dir of options.assetDirs ?? []) {
    pkg.postCompileTask.exec(`mkdir -p ${libSrc} && cp -r src/${dir} ${libSrc}/`);
  }
  // npm workspaces: the root's `npm install` installs every package (hoisted into the root's node_modules), so a
  // package never installs on its own (that would give it a second lock file and a second node_modules).
  for (const name of ['install', 'install:ci']) {
    pkg.tasks
      .tryFind(name)
      ?.reset(`echo "${options.name} is installed by the repository root's npm install (npm workspaces)"`);
  }
  return pkg;
}

// JSON and YAML syntax errors described without quoting the text (a pasted secret): the configuration and the emulator.
workspacePackage({
  dir: 'packages/syntax-errors',
  name: '@sfetl/syntax-errors',
  description: 'Where and why a JSON or YAML text does not parse, without repeating the text',
  deps: ['yaml@^2'],
});

// The Salesforce org emulator (docs/emulator.md): a development part, never imported by runtime code (eslint zones,
// test/cli/runner-bundle.test.ts).
workspacePackage({
  dir: 'packages/emulator',
  name: '@sfetl/emulator',
  description: 'A Salesforce org emulator: OAuth, REST, SOQL subset, Bulk API 2.0 ingest and query, over HTTP',
  // It imports packages/syntax-errors by relative path (not built, not published): both compile under packages/.
  rootDir: '..',
  // The built-in object schemas (docs/emulator-objects.md), read at run time from beside the code.
  assetDirs: ['objects', 'system-objects'],
  deps: ['yaml@^2'],
  devDeps: ['jsforce@^3.10.26', 'csv-parse@^7'],
});
project.package.addField('workspaces', WORKSPACE_PACKAGES);

// npm 11 blocks dependency install scripts unless listed; the `node` package needs its postinstall to fetch
// the Node 22 binary that every `npm run` uses.
project.package.addField('allowScripts', {
  node: true,
  esbuild: true,
  '@parcel/watcher': false,
  'core-js': false,
  'core-js-pure': false,
});

// Test fixtures are byte-exact inputs (CRLF, BOM, invalid UTF-8): git must not touch their line endings.
project.gitattributes.addAttributes('/test/fixtures/**', '-text');
project.gitattributes.addAttributes('/packages/*/test/fixtures/**', '-text');

new TextFile(project, 'requirements-dev.txt', {
  lines: ['# ~~ Generated by projen. To modify, edit .projenrc.ts and run "npx projen".', ...PYTHON_REQUIREMENTS],
});

// Architecture rules (DESIGN.md §4, STYLE.md, docs/architecture.md): cli → pipeline → (salesforce, s3, catalog,
// config); the library never imports the CLI; infra imports no runtime code; runtime code (what the Glue runner
// bundles) imports no development part; the workspace packages are reached through their public index only.
/** What the Glue runner runs: the runtime parts and the runner's own CLI files (src/cli/runner-entry.ts). */
const RUNTIME_CODE = [
  './src/@(pipeline|salesforce|s3|catalog|config|aws|duckdb|report)/**/*',
  './src/cli/@(runner-entry|command-line|load-command|logs-command|report-command|output-location|command-args|exit-codes|load-reporter|messages).ts',
];
const OUTSIDE = (dir: string) => ['./src/**/*', './test/**/*', './build-tools/**/*', `./packages/!(${dir})/**/*`];
project.eslint?.addRules({
  // A cycle means two modules are one concern split in two, or a third is missing. The rule skips `import type`.
  'import/no-cycle': ['error', { ignoreExternal: true }],
  'import/no-restricted-paths': [
    'error',
    {
      zones: [
        { target: './src/!(cli)/**/*', from: './src/cli', message: 'Only the CLI may import the CLI.' },
        {
          target: './src/@(salesforce|s3|catalog|config|duckdb)/**/*',
          from: './src/pipeline',
          message: 'Lower layers must not import the pipeline.',
        },
        {
          target: './src/infra/**/*',
          from: './src/!(infra|catalog)/**/*',
          message: 'infra imports no runtime code; reference runtime code by asset path.',
        },
        // The one exception: the saved log queries, a pure module, so Athena and `sfetl logs query` share them.
        {
          target: './src/infra/**/*',
          from: './src/catalog',
          except: ['./named-queries.ts'],
          message: 'infra imports no runtime code except src/catalog/named-queries.ts.',
        },
        {
          target: RUNTIME_CODE,
          from: ['./packages/emulator', './src/local-parts', './src/demo'],
          message:
            'Runtime code (what the Glue runner bundles) must not import the emulator, the local parts or the demo.',
        },
        {
          target: RUNTIME_CODE,
          from: './src/cli/@(main|demo-command|emulator-command|publish-command|stack-command|demo-summary).ts',
          message: 'The runner entry and the commands it runs must not import the development commands.',
        },
        {
          target: './packages/**/*',
          from: ['./src', './test', './build-tools'],
          message: 'A workspace package builds on its own: it imports nothing from the repository root.',
        },
        {
          target: OUTSIDE('emulator'),
          from: './packages/emulator',
          except: ['./src/index.ts', './test/support/emulator-client.ts'],
          message:
            'Import the emulator through packages/emulator/src (its index.ts), or its HTTP test client; not its internal files.',
        },
        {
          target: OUTSIDE('syntax-errors'),
          from: './packages/syntax-errors',
          except: ['./src/index.ts'],
          message: 'Import packages/syntax-errors through packages/syntax-errors/src (its index.ts).',
        },
      ],
    },
  ],
});
project.eslint?.addLintPattern('packages');

// The load core reads as a story of named steps (docs/architecture.md): no function in src/pipeline longer than a screen.
project.eslint?.addOverride({
  files: ['src/pipeline/**/*.ts'],
  rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }] },
});

const setupPython = project.addTask('setup:python', {
  description: 'Create .venv with the pinned Python packages (idempotent)',
  exec: 'bash build-tools/setup-python.sh',
});

const testPython = project.addTask('test:python', {
  description: 'Python tests (glue-scripts/, emr/, test/python) with the project venv',
  exec: '.venv/bin/python -m pytest -q',
});
testPython.prependSpawn(setupPython);

// Local Spark reads S3 through hadoop-aws: fetched once from Maven Central before the tests that need it.
const setupSparkJars = project.addTask('setup:spark-jars', {
  description:
    'Fetch hadoop-aws 3.3.4 + aws-java-sdk-bundle 1.12.262 into .sfetl/jars for local Spark on S3 (idempotent, sha256-checked)',
  exec: 'bash build-tools/setup-spark-jars.sh',
});
setupSparkJars.prependSpawn(setupPython);

project.testTask.prependSpawn(setupSparkJars);
project.testTask.spawn(testPython);

project.addTask('bench', {
  description: 'Run the benchmarks (test/bench/*.bench.ts) and write docs/benchmarks.md',
  exec: 'node --import tsx test/bench/run.ts',
  receiveArgs: true,
});

// emr/log_to_hive.py against the seed-style rewrite (emr/bench/seed_rewrite_baseline.py), and incremental by history.
project
  .addTask('bench:publish', {
    description:
      'Publish speed: full mode vs the seed-style baseline, incremental at 10/50/200 runs (docs/benchmarks.md)',
    exec: '.venv/bin/python emr/bench/publish_bench.py',
  })
  .prependSpawn(setupPython);

// The randomized end-to-end test (test/chaos/): `npm test` runs a 3-minute seeded version; this runs it longer.
project.addTask('test:chaos', {
  description: 'Randomized end-to-end test of sfetl load (test/chaos/): --minutes N (default 3), --seed S, --steps K',
  exec: 'node --import tsx test/chaos/run-chaos.ts',
  receiveArgs: true,
});

// The Glue runner bundle (docs/glue.md): esbuild bundle + Node 22 + DuckDB binding + glibc loader → dist/runner-bundle.zip.
project.addTask('bundle:runner', {
  description: 'Build the Glue runner bundle: dist/runner-bundle.zip and its .sha256 (no-op when up to date)',
  exec: 'node --import tsx build-tools/build-runner-bundle.ts',
  receiveArgs: true,
});

// build-tools/*.ts are linted like test/: eslint's project service needs a tsconfig that includes them.
const buildToolsTsconfig = new javascript.TypescriptConfig(project, {
  fileName: 'build-tools/tsconfig.json',
  include: ['**/*.ts'],
  exclude: ['node_modules'],
  compilerOptions: { noEmit: true, rootDir: '..' },
});
buildToolsTsconfig.addExtends(project.tsconfig!);

// Headless Chromium for the HTML report test: Debian's package, installed by the set-up when missing.
const setupChromium = project.addTask('setup:chromium', {
  description: "Install Debian's chromium for the report test when /usr/bin/chromium is missing (idempotent)",
  exec: 'bash build-tools/setup-chromium.sh',
});
project.testTask.prependSpawn(setupChromium);

// Salesforce's own CLI, a client under test (test/conformance/sf-cli-conformance.integ.test.ts): pinned here, installed
// once into .sfetl/sf-cli (not node_modules: ~900 packages that sfetl never imports), again when the pin changes.
const SF_CLI_VERSION = '2.150.6';
const setupSfCli = project.addTask('setup:sf-cli', {
  description: `Install Salesforce's CLI (@salesforce/cli@${SF_CLI_VERSION}) into .sfetl/sf-cli for the conformance tests (idempotent)`,
  exec: `bash build-tools/setup-sf-cli.sh ${SF_CLI_VERSION}`,
});
project.testTask.prependSpawn(setupSfCli);

// The conformance suite alone: against the emulator, or against a real org named by SFETL_CONFORMANCE_* (docs/emulator.md).
const testConformance = project.addTask('test:conformance', {
  description:
    "Salesforce's CLI against the org emulator, or against a real org given SFETL_CONFORMANCE_ORG (an sf alias) or SFETL_CONFORMANCE_INSTANCE_URL + _ACCESS_TOKEN",
  exec: 'jest --ci --runInBand test/conformance/sf-cli-conformance.integ.test.ts',
  receiveArgs: true,
});
testConformance.prependSpawn(setupSfCli);

const demo = project.addTask('demo', {
  description: 'The whole pipeline on the embedded default (sfetl demo), set-up included',
  exec: 'node bin/sfetl.js demo',
  receiveArgs: true,
});
demo.prependSpawn(setupSparkJars);

project.addTask('emulator', {
  description: 'Run the Salesforce org emulator (sfetl emulator)',
  exec: 'node bin/sfetl.js emulator',
  receiveArgs: true,
});

// The CDK app (docs/deploy.md): `npx cdk …` reads cdk.json; synth/deploy/destroy build the runner bundle first.
new JsonFile(project, 'cdk.json', {
  obj: {
    app: 'npx tsx src/infra/main.ts',
    output: 'cdk.out',
    watch: { include: ['src/infra/**'] },
    context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' },
  },
});
const bundleRunner = project.tasks.tryFind('bundle:runner');
if (bundleRunner === undefined) throw new Error('the bundle:runner task must be defined before the CDK tasks');
for (const [name, description, command] of [
  ['synth', 'Synthesize the CDK app (runner bundle first) into cdk.out/', 'cdk synth --quiet'],
  ['deploy', 'Deploy the CDK app (all stacks; runner bundle first); see docs/deploy.md', 'cdk deploy --all'],
  ['destroy', "Delete the CDK app's stacks (data buckets, key, secrets, databases are retained)", 'cdk destroy --all'],
]) {
  const task = project.addTask(name, { description, exec: command, receiveArgs: true });
  task.prependSpawn(bundleRunner);
}

new TextFile(project, 'pytest.ini', {
  lines: [
    '# ~~ Generated by projen. To modify, edit .projenrc.ts and run "npx projen".',
    '[pytest]',
    'testpaths = test/python glue-scripts emr',
    // One shared module of test helpers (starting the embedded default) for all three Python test trees.
    'pythonpath = test/python/support',
    'addopts = -p no:cacheprovider',
  ],
});

project.synth();
