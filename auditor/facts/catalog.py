"""What well-known dependencies and configuration files are: Sentry, Jest, Ruff, Stripe...

Pure data plus lookups. The tables below name a tool once and list how it is
spelled in each ecosystem; :func:`classify` maps a :class:`Dependency` name to the
tool, and :func:`config_tools` does the same for configuration files in a tree.
Classifying says what a thing *is*; whether having it is good is for rules to say.

Spelling conventions in the tables:

* names are space-separated; a name ending in ``*`` is a prefix (``@sentry/*``,
  ``io.sentry:*``, ``opentelemetry-*``);
* Maven coordinates (``groupId:artifactId``) serve Gradle too;
* a Go module path also covers its packages and major versions
  (``github.com/getsentry/sentry-go`` covers ``…/sentry-go/v2``);
* lookups ignore case, and PyPI names are compared PEP 503 normalized.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from auditor.facts.manifests import Dependency, is_vendored, normalize_pypi
from auditor.facts.tree import FileTree

CATEGORIES = (
    "error-tracking",
    "apm",
    "metrics",
    "logging",
    "tracing",
    "analytics",
    "feature-flags",
    "experimentation",
    "test-framework",
    "e2e-framework",
    "coverage",
    "linter",
    "formatter",
    "typechecker",
    "release-tooling",
    "security-scanner",
    "web-framework",
    "orm",
    "payments",
    "cli-framework",
    "docs-site",
)


@dataclass(frozen=True)
class Tool:
    """A named tool and the one category it belongs to."""

    name: str  # display name, e.g. "Sentry"
    category: str  # one of CATEGORIES


@dataclass(frozen=True)
class _Entry:
    """One tool's names per ecosystem, as space-separated strings."""

    name: str
    npm: str = ""
    pypi: str = ""
    go: str = ""
    cargo: str = ""
    maven: str = ""
    gem: str = ""
    composer: str = ""


E = _Entry

# -- dependency tables, one per category ---------------------------------------------------

ERROR_TRACKING = (
    E(
        "Sentry",
        npm="@sentry/* raven raven-js",
        pypi="sentry-sdk raven",
        go="github.com/getsentry/sentry-go github.com/getsentry/raven-go",
        cargo="sentry sentry-*",
        maven="io.sentry:*",
        gem="sentry-ruby sentry-rails sentry-sidekiq sentry-raven sentry-*",
        composer="sentry/*",
    ),
    E(
        "Bugsnag",
        npm="@bugsnag/* bugsnag bugsnag-js",
        pypi="bugsnag",
        go="github.com/bugsnag/bugsnag-go",
        maven="com.bugsnag:*",
        gem="bugsnag",
        composer="bugsnag/*",
    ),
    E(
        "Rollbar",
        npm="rollbar",
        pypi="rollbar",
        go="github.com/rollbar/rollbar-go",
        maven="com.rollbar:*",
        gem="rollbar",
        composer="rollbar/*",
    ),
    E(
        "Honeybadger",
        npm="@honeybadger-io/* honeybadger",
        pypi="honeybadger",
        go="github.com/honeybadger-io/honeybadger-go",
        maven="io.honeybadger:*",
        gem="honeybadger",
        composer="honeybadger-io/*",
    ),
    E(
        "Airbrake",
        npm="@airbrake/* airbrake-js",
        pypi="pybrake airbrake",
        go="github.com/airbrake/gobrake",
        maven="io.airbrake:*",
        gem="airbrake airbrake-ruby",
        composer="airbrake/*",
    ),
    E(
        "Raygun",
        npm="raygun raygun4js",
        pypi="raygun4py",
        maven="com.mindscapehq:*",
        gem="raygun4ruby",
        composer="mindscape/raygun4php",
    ),
    E("TrackJS", npm="trackjs trackjs-node"),
)

APM = (
    E(
        "Datadog",
        npm="dd-trace @datadog/*",
        pypi="ddtrace",
        go="gopkg.in/datadog/dd-trace-go.v1 github.com/datadog/dd-trace-go",
        maven="com.datadoghq:*",
        gem="ddtrace datadog",
        composer="datadog/dd-trace",
    ),
    E(
        "New Relic",
        npm="newrelic @newrelic/*",
        pypi="newrelic",
        go="github.com/newrelic/go-agent",
        maven="com.newrelic*",
        gem="newrelic_rpm",
    ),
    E(
        "Elastic APM",
        npm="elastic-apm-node @elastic/apm-rum*",
        pypi="elastic-apm",
        go="go.elastic.co/apm",
        maven="co.elastic.apm:*",
        gem="elastic-apm",
    ),
    E("AppSignal", npm="@appsignal/*", pypi="appsignal", gem="appsignal"),
    E("Scout APM", pypi="scout-apm", gem="scout_apm"),
    E("Vercel Speed Insights", npm="@vercel/speed-insights"),
)

METRICS = (
    E(
        "Prometheus",
        npm="prom-client express-prom-bundle",
        pypi="prometheus-client prometheus-flask-exporter prometheus-fastapi-instrumentator "
        "django-prometheus",
        go="github.com/prometheus/client_golang",
        cargo="prometheus prometheus-client metrics-exporter-prometheus",
        maven="io.prometheus:*",
        gem="prometheus-client",
        composer="promphp/*",
    ),
    E("Micrometer", maven="io.micrometer:*"),
    E("Dropwizard Metrics", maven="io.dropwizard.metrics:*"),
    E(
        "StatsD",
        npm="hot-shots node-statsd statsd-client lynx",
        pypi="statsd datadog",
        go="github.com/cactus/go-statsd-client github.com/datadog/datadog-go",
        cargo="cadence",
        maven="com.timgroup:java-statsd-client com.datadoghq:java-dogstatsd-client",
        gem="statsd-ruby dogstatsd-ruby",
        composer="league/statsd",
    ),
    E("metrics (Rust)", cargo="metrics"),
)

LOGGING = (
    E("pino", npm="pino pino-http pino-pretty nestjs-pino"),
    E("winston", npm="winston winston-*"),
    E("bunyan", npm="bunyan"),
    E("structlog", pypi="structlog"),
    E("loguru", pypi="loguru"),
    E("python-json-logger", pypi="python-json-logger json-log-formatter"),
    E("zap", go="go.uber.org/zap"),
    E("zerolog", go="github.com/rs/zerolog"),
    E("logrus", go="github.com/sirupsen/logrus"),
    E("slog", go="golang.org/x/exp/slog"),
    E("tracing (Rust)", cargo="tracing tracing-subscriber"),
    E("log (Rust)", cargo="log env_logger log4rs slog"),
    E("Log4j", maven="org.apache.logging.log4j:* log4j:log4j"),
    E("Logback", maven="ch.qos.logback:* net.logstash.logback:*"),
    E("SLF4J", maven="org.slf4j:*"),
    E("Lograge", gem="lograge"),
    E("Semantic Logger", gem="semantic_logger rails_semantic_logger"),
    E("Monolog", composer="monolog/monolog"),
)

TRACING = (
    E(
        "OpenTelemetry",
        npm="@opentelemetry/*",
        pypi="opentelemetry-*",
        go="go.opentelemetry.io/otel go.opentelemetry.io/contrib",
        cargo="opentelemetry opentelemetry-* tracing-opentelemetry",
        maven="io.opentelemetry*",
        gem="opentelemetry-*",
        composer="open-telemetry/*",
    ),
    E("Jaeger", npm="jaeger-client", pypi="jaeger-client", go="github.com/uber/jaeger-client-go"),
    E("Zipkin", npm="zipkin", maven="io.zipkin.*"),
    E(
        "AWS X-Ray",
        npm="aws-xray-sdk aws-xray-sdk-core",
        pypi="aws-xray-sdk",
        go="github.com/aws/aws-xray-sdk-go",
        maven="com.amazonaws:aws-xray-*",
    ),
)

ANALYTICS = (
    E(
        "PostHog",
        npm="posthog-js posthog-node",
        pypi="posthog",
        go="github.com/posthog/posthog-go",
        cargo="posthog-rs",
        maven="com.posthog*",
        gem="posthog-ruby",
        composer="posthog/posthog-php",
    ),
    E(
        "Segment",
        npm="analytics-node @segment/*",
        pypi="analytics-python segment-analytics-python",
        go="github.com/segmentio/analytics-go gopkg.in/segmentio/analytics-go.v3",
        maven="com.segment.analytics.java:*",
        gem="analytics-ruby",
        composer="segmentio/analytics-php",
    ),
    E(
        "Amplitude",
        npm="@amplitude/* amplitude-js",
        pypi="amplitude-analytics",
        go="github.com/amplitude/analytics-go",
        maven="com.amplitude:*",
        gem="amplitude-api",
    ),
    E(
        "Mixpanel",
        npm="mixpanel mixpanel-browser",
        pypi="mixpanel",
        go="github.com/mixpanel/mixpanel-go",
        maven="com.mixpanel:*",
        gem="mixpanel-ruby",
        composer="mixpanel/mixpanel-php",
    ),
    E("Vercel Analytics", npm="@vercel/analytics"),
    E("Plausible", npm="plausible-tracker next-plausible"),
    E(
        "Google Analytics",
        npm="react-ga4 react-ga ga-gtag vue-gtag vue-gtag-next @types/gtag.js @next/third-parties",
    ),
    E("Heap", npm="@heap/* heap-api reactjs-heap"),
    E(
        "RudderStack",
        npm="@rudderstack/* rudder-sdk-js",
        pypi="rudder-sdk-python",
        go="github.com/rudderlabs/analytics-go",
    ),
    E("Fathom", npm="fathom-client"),
    E("LogRocket", npm="logrocket logrocket-react"),
)

FEATURE_FLAGS = (
    E(
        "LaunchDarkly",
        npm="launchdarkly-* @launchdarkly/*",
        pypi="launchdarkly-server-sdk ldclient-py",
        go="github.com/launchdarkly/go-server-sdk gopkg.in/launchdarkly/go-server-sdk.v5",
        cargo="launchdarkly-server-sdk",
        maven="com.launchdarkly:*",
        gem="launchdarkly-server-sdk",
        composer="launchdarkly/*",
    ),
    E(
        "Unleash",
        npm="unleash-client @unleash/* unleash-proxy-client",
        pypi="unleashclient",
        go="github.com/unleash/unleash-client-go",
        maven="io.getunleash:*",
        gem="unleash",
        composer="unleash/*",
    ),
    E(
        "Flagsmith",
        npm="flagsmith flagsmith-nodejs @flagsmith/*",
        pypi="flagsmith",
        go="github.com/flagsmith/flagsmith-go-client",
        cargo="flagsmith",
        maven="com.flagsmith:*",
        gem="flagsmith",
        composer="flagsmith/*",
    ),
    E(
        "GrowthBook",
        npm="@growthbook/*",
        pypi="growthbook",
        go="github.com/growthbook/growthbook-golang",
        maven="io.growthbook.sdk:*",
        gem="growthbook",
        composer="growthbook/*",
    ),
    E(
        "OpenFeature",
        npm="@openfeature/*",
        pypi="openfeature-sdk",
        go="github.com/open-feature/go-sdk",
        maven="dev.openfeature:*",
        gem="openfeature-sdk",
        composer="open-feature/*",
    ),
    E(
        "ConfigCat",
        npm="configcat-*",
        pypi="configcat-client",
        go="github.com/configcat/go-sdk",
        maven="com.configcat:*",
        gem="configcat",
        composer="configcat/*",
    ),
    E(
        "Split",
        npm="@splitsoftware/*",
        pypi="splitio-client",
        go="github.com/splitio/go-client",
        maven="io.split.client:*",
        gem="splitclient-rb",
        composer="splitsoftware/*",
    ),
    E("Flipper", gem="flipper flipper-*"),
    E("django-waffle", pypi="django-waffle"),
    E("django-flags", pypi="django-flags"),
    E("Flipt", npm="@flipt-io/*", pypi="flipt", go="go.flipt.io/flipt go.flipt.io/flipt-client"),
    E("Laravel Pennant", composer="laravel/pennant"),
)

EXPERIMENTATION = (
    E(
        "Statsig",
        npm="statsig-js statsig-node @statsig/*",
        pypi="statsig",
        go="github.com/statsig-io/go-sdk",
        maven="com.statsig:*",
        gem="statsig",
    ),
    E(
        "Optimizely",
        npm="@optimizely/*",
        pypi="optimizely-sdk",
        go="github.com/optimizely/go-sdk",
        maven="com.optimizely.ab:*",
        gem="optimizely-sdk",
    ),
    E("Eppo", npm="@eppo/*", pypi="eppo-server-sdk"),
)

TEST_FRAMEWORK = (
    E("Jest", npm="jest @jest/globals ts-jest babel-jest jest-environment-*"),
    E("Vitest", npm="vitest @vitest/*"),
    E("Mocha", npm="mocha"),
    E("Jasmine", npm="jasmine jasmine-core"),
    E("AVA", npm="ava"),
    E("node-tap", npm="tap"),
    E("uvu", npm="uvu"),
    E("Karma", npm="karma"),
    E("Testing Library", npm="@testing-library/*"),
    E("Chai", npm="chai"),
    E("Storybook test runner", npm="@storybook/test-runner"),
    E("pytest", pypi="pytest pytest-*"),
    E("unittest2", pypi="unittest2"),
    E("nose", pypi="nose nose2"),
    E("Hypothesis", pypi="hypothesis"),
    E("behave", pypi="behave"),
    E("RSpec", gem="rspec rspec-*"),
    E("Minitest", gem="minitest minitest-*"),
    E("test-unit", gem="test-unit"),
    E("Cucumber", npm="@cucumber/cucumber", gem="cucumber cucumber-rails", maven="io.cucumber:*"),
    E("PHPUnit", composer="phpunit/phpunit"),
    E("Pest", composer="pestphp/*"),
    E("Codeception", composer="codeception/*"),
    E(
        "JUnit",
        maven="junit:junit org.junit.jupiter:* org.junit.vintage:* org.junit.platform:* "
        "org.junit:*",
    ),
    E("TestNG", maven="org.testng:testng"),
    E("Mockito", maven="org.mockito:*"),
    E("AssertJ", maven="org.assertj:*"),
    E("Kotest", maven="io.kotest:*"),
    E("Spock", maven="org.spockframework:*"),
    E(
        "Testcontainers",
        npm="testcontainers @testcontainers/*",
        pypi="testcontainers",
        go="github.com/testcontainers/testcontainers-go",
        maven="org.testcontainers:*",
    ),
    E(
        "Surefire",
        maven="org.apache.maven.plugins:maven-surefire-plugin "
        "org.apache.maven.plugins:maven-failsafe-plugin",
    ),
    E("testify", go="github.com/stretchr/testify"),
    E("Ginkgo", go="github.com/onsi/ginkgo github.com/onsi/gomega"),
    E("gotest.tools", go="gotest.tools"),
    E("cargo-nextest", cargo="cargo-nextest"),
    E("proptest", cargo="proptest quickcheck"),
    E("rstest", cargo="rstest"),
    E("insta", cargo="insta"),
    E("mockall", cargo="mockall"),
)

E2E_FRAMEWORK = (
    E(
        "Playwright",
        npm="playwright @playwright/test playwright-core",
        pypi="playwright pytest-playwright",
        go="github.com/playwright-community/playwright-go",
        maven="com.microsoft.playwright:*",
    ),
    E("Cypress", npm="cypress @cypress/*"),
    E("Puppeteer", npm="puppeteer puppeteer-core", pypi="pyppeteer"),
    E(
        "Selenium",
        npm="selenium-webdriver",
        pypi="selenium",
        go="github.com/tebeka/selenium",
        maven="org.seleniumhq.selenium:*",
        gem="selenium-webdriver",
        composer="php-webdriver/*",
    ),
    E("WebdriverIO", npm="webdriverio @wdio/*"),
    E("TestCafe", npm="testcafe"),
    E("Nightwatch", npm="nightwatch"),
    E("Detox", npm="detox"),
    E("Capybara", gem="capybara"),
    E("Laravel Dusk", composer="laravel/dusk"),
)

COVERAGE = (
    E("Istanbul", npm="nyc istanbul babel-plugin-istanbul @vitest/coverage-istanbul"),
    E("c8", npm="c8 @vitest/coverage-v8"),
    E("coverage.py", pypi="coverage pytest-cov"),
    E("Codecov", npm="codecov", pypi="codecov"),
    E("Coveralls", npm="coveralls", pypi="coveralls", gem="coveralls", composer="php-coveralls/*"),
    E("JaCoCo", maven="org.jacoco:*"),
    E("SimpleCov", gem="simplecov simplecov-*"),
    E("cargo-tarpaulin", cargo="cargo-tarpaulin cargo-llvm-cov"),
)

LINTER = (
    E(
        "ESLint",
        npm="eslint @eslint/* eslint-config-* eslint-plugin-* @typescript-eslint/* "
        "typescript-eslint",
    ),
    E("Biome", npm="@biomejs/biome"),
    E("Stylelint", npm="stylelint stylelint-*"),
    E("Oxlint", npm="oxlint"),
    E("XO", npm="xo"),
    E("StandardJS", npm="standard"),
    E("TSLint", npm="tslint"),
    E("markdownlint", npm="markdownlint-cli markdownlint-cli2"),
    E("commitlint", npm="@commitlint/*"),
    E("Ruff", pypi="ruff"),
    E("Flake8", pypi="flake8 flake8-*"),
    E("Pylint", pypi="pylint pylint-*"),
    E("Pyflakes", pypi="pyflakes pycodestyle pydocstyle"),
    E("golangci-lint", go="github.com/golangci/golangci-lint"),
    E("staticcheck", go="honnef.co/go/tools"),
    E("RuboCop", gem="rubocop rubocop-*"),
    E("Standard Ruby", gem="standard"),
    E("PHPStan", composer="phpstan/*"),
    E("Psalm", composer="vimeo/psalm psalm/*"),
    E("PHP_CodeSniffer", composer="squizlabs/php_codesniffer"),
    E(
        "Checkstyle",
        maven="com.puppycrawl.tools:checkstyle org.apache.maven.plugins:maven-checkstyle-plugin",
    ),
    E("SpotBugs", maven="com.github.spotbugs:*"),
    E("PMD", maven="org.apache.maven.plugins:maven-pmd-plugin net.sourceforge.pmd:*"),
    E("detekt", maven="io.gitlab.arturbosch.detekt:*"),
    E("ktlint", maven="com.pinterest:ktlint com.pinterest.ktlint:*"),
)

FORMATTER = (
    E("Prettier", npm="prettier prettier-plugin-* @prettier/*"),
    E("dprint", npm="dprint"),
    E("Black", pypi="black"),
    E("isort", pypi="isort"),
    E("autopep8", pypi="autopep8 yapf"),
    E("gofumpt", go="mvdan.cc/gofumpt"),
    E("PHP CS Fixer", composer="friendsofphp/php-cs-fixer"),
    E("Laravel Pint", composer="laravel/pint"),
    E("Spotless", maven="com.diffplug.spotless:*"),
    E("Rufo", gem="rufo"),
)

TYPECHECKER = (
    E("TypeScript", npm="typescript"),
    E("Flow", npm="flow-bin"),
    E("mypy", pypi="mypy"),
    E("Pyright", pypi="pyright basedpyright"),
    E("pytype", pypi="pytype pyre-check"),
    E("Sorbet", gem="sorbet"),
    E("Steep", gem="steep"),
)

RELEASE_TOOLING = (
    E("semantic-release", npm="semantic-release @semantic-release/*"),
    E("release-please", npm="release-please"),
    E("Changesets", npm="@changesets/*"),
    E("standard-version", npm="standard-version commit-and-tag-version"),
    E("Commitizen", npm="commitizen cz-conventional-changelog", pypi="commitizen"),
    E("release-it", npm="release-it"),
    E("Lerna", npm="lerna @lerna/*"),
    E(
        "conventional-changelog",
        npm="conventional-changelog-cli conventional-changelog changelogen",
    ),
    E("python-semantic-release", pypi="python-semantic-release"),
    E("bump-my-version", pypi="bump2version bumpversion bump-my-version"),
    E("towncrier", pypi="towncrier"),
    E("setuptools-scm", pypi="setuptools-scm hatch-vcs"),
    E("GoReleaser", go="github.com/goreleaser/goreleaser"),
    E("cargo-release", cargo="cargo-release release-plz git-cliff"),
    E("gem-release", gem="gem-release"),
    E("Maven Release Plugin", maven="org.apache.maven.plugins:maven-release-plugin"),
    E("JReleaser", maven="org.jreleaser:*"),
)

SECURITY_SCANNER = (
    E("Bandit", pypi="bandit"),
    E("Safety", pypi="safety"),
    E("pip-audit", pypi="pip-audit"),
    E("Semgrep", pypi="semgrep"),
    E("detect-secrets", pypi="detect-secrets"),
    E("Snyk", npm="snyk"),
    E("audit-ci", npm="audit-ci better-npm-audit"),
    E("retire.js", npm="retire"),
    E("eslint-plugin-security", npm="eslint-plugin-security"),
    E("gosec", go="github.com/securego/gosec"),
    E("govulncheck", go="golang.org/x/vuln"),
    E("Gitleaks", go="github.com/zricethezav/gitleaks github.com/gitleaks/gitleaks"),
    E("Brakeman", gem="brakeman"),
    E("bundler-audit", gem="bundler-audit"),
    E("Roave Security Advisories", composer="roave/security-advisories"),
    E("OWASP Dependency-Check", maven="org.owasp:*"),
    E("Find Security Bugs", maven="com.h3xstream.findsecbugs:*"),
    E("cargo-audit", cargo="cargo-audit cargo-deny"),
)

WEB_FRAMEWORK = (
    E("Next.js", npm="next"),
    E("React", npm="react"),
    E("Vue", npm="vue"),
    E("Nuxt", npm="nuxt"),
    E("Angular", npm="@angular/core"),
    E("Svelte", npm="svelte @sveltejs/kit"),
    E("Remix", npm="@remix-run/*"),
    E("Astro", npm="astro"),
    E("Express", npm="express"),
    E("Fastify", npm="fastify"),
    E("NestJS", npm="@nestjs/core"),
    E("Koa", npm="koa"),
    E("hapi", npm="@hapi/hapi hapi"),
    E("Hono", npm="hono"),
    E("Django", pypi="django"),
    E("Flask", pypi="flask"),
    E("FastAPI", pypi="fastapi"),
    E("Starlette", pypi="starlette"),
    E("Tornado", pypi="tornado"),
    E("Pyramid", pypi="pyramid"),
    E("Sanic", pypi="sanic"),
    E("Litestar", pypi="litestar"),
    E("Quart", pypi="quart"),
    E("Gin", go="github.com/gin-gonic/gin"),
    E("Echo", go="github.com/labstack/echo"),
    E("Fiber", go="github.com/gofiber/fiber"),
    E("chi", go="github.com/go-chi/chi"),
    E("Gorilla", go="github.com/gorilla/mux"),
    E("Actix Web", cargo="actix-web"),
    E("Axum", cargo="axum"),
    E("Rocket", cargo="rocket"),
    E("warp", cargo="warp"),
    E("Spring Boot", maven="org.springframework.boot:*"),
    E("Spring MVC", maven="org.springframework:spring-webmvc org.springframework:spring-webflux"),
    E("Quarkus", maven="io.quarkus:*"),
    E("Micronaut", maven="io.micronaut:*"),
    E("Ktor", maven="io.ktor:*"),
    E("Javalin", maven="io.javalin:javalin"),
    E("Dropwizard", maven="io.dropwizard:*"),
    E("Rails", gem="rails railties"),
    E("Sinatra", gem="sinatra"),
    E("Hanami", gem="hanami"),
    E("Laravel", composer="laravel/framework"),
    E("Symfony", composer="symfony/framework-bundle symfony/symfony"),
    E("Slim", composer="slim/slim"),
    E("CakePHP", composer="cakephp/cakephp"),
    E("Yii", composer="yiisoft/yii2"),
)

ORM = (
    E("Prisma", npm="prisma @prisma/client"),
    E("TypeORM", npm="typeorm"),
    E("Sequelize", npm="sequelize"),
    E("Drizzle", npm="drizzle-orm"),
    E("MikroORM", npm="@mikro-orm/*"),
    E("Mongoose", npm="mongoose"),
    E("Knex", npm="knex objection"),
    E("SQLAlchemy", pypi="sqlalchemy flask-sqlalchemy sqlmodel"),
    E("Django ORM", pypi="django"),  # Django ships its ORM
    E("Peewee", pypi="peewee"),
    E("Tortoise ORM", pypi="tortoise-orm"),
    E("MongoEngine", pypi="mongoengine"),
    E("GORM", go="gorm.io/gorm github.com/jinzhu/gorm"),
    E("ent", go="entgo.io/ent"),
    E("Bun", go="github.com/uptrace/bun"),
    E("SQLBoiler", go="github.com/volatiletech/sqlboiler"),
    E("Diesel", cargo="diesel"),
    E("SeaORM", cargo="sea-orm"),
    E("SQLx", cargo="sqlx"),
    E(
        "Hibernate",
        maven="org.hibernate:* org.hibernate.orm:* "
        "org.springframework.boot:spring-boot-starter-data-jpa",
    ),
    E("MyBatis", maven="org.mybatis:*"),
    E("jOOQ", maven="org.jooq:*"),
    E("Exposed", maven="org.jetbrains.exposed:*"),
    E("Active Record", gem="activerecord rails"),  # Rails ships Active Record
    E("Sequel", gem="sequel"),
    E("Mongoid", gem="mongoid"),
    E("Doctrine", composer="doctrine/orm"),
    E("Eloquent", composer="illuminate/database laravel/framework"),  # Laravel ships Eloquent
)

PAYMENTS = (
    E(
        "Stripe",
        npm="stripe @stripe/*",
        pypi="stripe dj-stripe",
        go="github.com/stripe/stripe-go",
        cargo="async-stripe stripe-rust",
        maven="com.stripe:*",
        gem="stripe",
        composer="stripe/*",
    ),
    E(
        "Braintree",
        npm="braintree braintree-web",
        pypi="braintree",
        maven="com.braintreepayments.gateway:*",
        gem="braintree",
        composer="braintree/*",
    ),
    E(
        "PayPal",
        npm="@paypal/*",
        pypi="paypalrestsdk paypal-checkout-serversdk",
        maven="com.paypal.sdk:*",
        composer="paypal/*",
    ),
    E(
        "Adyen",
        npm="@adyen/*",
        pypi="adyen",
        go="github.com/adyen/adyen-go-api-library",
        maven="com.adyen:*",
        gem="adyen-ruby-api-library",
        composer="adyen/php-api-library",
    ),
    E("Paddle", npm="@paddle/*"),
)

CLI_FRAMEWORK = (
    E("Click", pypi="click rich-click"),
    E("Typer", pypi="typer"),
    E("Python Fire", pypi="fire"),
    E("docopt", pypi="docopt docopt-ng"),
    E("Cleo", pypi="cleo"),
    E("Commander", npm="commander"),
    E("yargs", npm="yargs"),
    E("oclif", npm="@oclif/core oclif"),
    E("meow", npm="meow"),
    E("cac", npm="cac"),
    E("Cobra", go="github.com/spf13/cobra"),
    E("urfave/cli", go="github.com/urfave/cli"),
    E("Kong", go="github.com/alecthomas/kong"),
    E("clap", cargo="clap structopt"),
    E("argh", cargo="argh"),
    E("Thor", gem="thor"),
    E("dry-cli", gem="dry-cli"),
    E("picocli", maven="info.picocli:*"),
    E("JCommander", maven="com.beust:jcommander"),
    E("Symfony Console", composer="symfony/console"),
)

DOCS_SITE = (
    E("Docusaurus", npm="@docusaurus/*"),
    E("VitePress", npm="vitepress"),
    E("VuePress", npm="vuepress @vuepress/*"),
    E("Nextra", npm="nextra"),
    E("Starlight", npm="@astrojs/starlight"),
    E("TypeDoc", npm="typedoc"),
    E("Storybook", npm="storybook @storybook/*"),
    E("MkDocs", pypi="mkdocs mkdocs-* mkdocstrings"),
    E("Sphinx", pypi="sphinx sphinx-* furo"),
    E("pdoc", pypi="pdoc pdoc3"),
    E("mdBook", cargo="mdbook"),
    E("Jekyll", gem="jekyll github-pages"),
    E("YARD", gem="yard"),
    E("Asciidoctor", maven="org.asciidoctor:*"),
    E("phpDocumentor", composer="phpdocumentor/*"),
)

#: Category -> its table. Order matters: a name in two tables (Django, Rails, Laravel)
#: classifies as the earlier one first.
TABLES: dict[str, tuple[_Entry, ...]] = {
    "error-tracking": ERROR_TRACKING,
    "apm": APM,
    "metrics": METRICS,
    "logging": LOGGING,
    "tracing": TRACING,
    "analytics": ANALYTICS,
    "feature-flags": FEATURE_FLAGS,
    "experimentation": EXPERIMENTATION,
    "test-framework": TEST_FRAMEWORK,
    "e2e-framework": E2E_FRAMEWORK,
    "coverage": COVERAGE,
    "linter": LINTER,
    "formatter": FORMATTER,
    "typechecker": TYPECHECKER,
    "release-tooling": RELEASE_TOOLING,
    "security-scanner": SECURITY_SCANNER,
    "web-framework": WEB_FRAMEWORK,
    "orm": ORM,
    "payments": PAYMENTS,
    "cli-framework": CLI_FRAMEWORK,
    "docs-site": DOCS_SITE,
}

# -- configuration files -------------------------------------------------------------------


def _t(name: str, category: str) -> Tool:
    return Tool(name, category)


SENTRY = _t("Sentry", "error-tracking")
PROMETHEUS = _t("Prometheus", "metrics")

#: Glob -> tool. A glob matches at any depth (``docs/conf.py`` also matches
#: ``site/docs/conf.py``); ``*`` stays within one path segment and ``**/`` spans
#: any number. Matching ignores case. Vendored directories are never searched.
CONFIG_FILES: dict[str, Tool] = {
    # error tracking
    "sentry.*.config.*": SENTRY,
    "sentry.properties": SENTRY,
    ".sentryclirc": SENTRY,
    "honeybadger.yml": _t("Honeybadger", "error-tracking"),
    # APM
    "newrelic.js": _t("New Relic", "apm"),
    "newrelic.cjs": _t("New Relic", "apm"),
    "newrelic.ini": _t("New Relic", "apm"),
    "newrelic.yml": _t("New Relic", "apm"),
    "datadog.yaml": _t("Datadog", "apm"),
    "datadog.yml": _t("Datadog", "apm"),
    "appsignal.yml": _t("AppSignal", "apm"),
    "elasticapm.properties": _t("Elastic APM", "apm"),
    "instrumentation.ts": _t("Next.js instrumentation", "apm"),
    "instrumentation.js": _t("Next.js instrumentation", "apm"),
    "instrumentation-client.ts": _t("Next.js instrumentation", "apm"),
    "instrumentation-client.js": _t("Next.js instrumentation", "apm"),
    # metrics and alerting
    "prometheus.yml": PROMETHEUS,
    "prometheus.yaml": PROMETHEUS,
    "**/alert*.rules.yml": _t("Prometheus alerting rules", "metrics"),
    "**/alert*.rules.yaml": _t("Prometheus alerting rules", "metrics"),
    "alertmanager.y*ml": _t("Alertmanager", "metrics"),
    "grafana/**/*.json": _t("Grafana", "metrics"),
    # tracing
    "otel-collector*.yaml": _t("OpenTelemetry Collector", "tracing"),
    "otel-collector*.yml": _t("OpenTelemetry Collector", "tracing"),
    "otelcol*.yaml": _t("OpenTelemetry Collector", "tracing"),
    # logging
    "logback.xml": _t("Logback", "logging"),
    "logback-spring.xml": _t("Logback", "logging"),
    "log4j2.xml": _t("Log4j", "logging"),
    "log4j2.y*ml": _t("Log4j", "logging"),
    # feature flags
    "flagsmith*": _t("Flagsmith", "feature-flags"),
    ".launchdarkly/coderefs.y*ml": _t("LaunchDarkly", "feature-flags"),
    # test frameworks
    "jest.config.*": _t("Jest", "test-framework"),
    "vitest.config.*": _t("Vitest", "test-framework"),
    "vitest.workspace.*": _t("Vitest", "test-framework"),
    ".mocharc*": _t("Mocha", "test-framework"),
    "karma.conf.*": _t("Karma", "test-framework"),
    "ava.config.*": _t("AVA", "test-framework"),
    "jasmine.json": _t("Jasmine", "test-framework"),
    "pytest.ini": _t("pytest", "test-framework"),
    "conftest.py": _t("pytest", "test-framework"),
    "tox.ini": _t("tox", "test-framework"),
    "noxfile.py": _t("nox", "test-framework"),
    "phpunit.xml*": _t("PHPUnit", "test-framework"),
    "tests/Pest.php": _t("Pest", "test-framework"),
    ".rspec": _t("RSpec", "test-framework"),
    ".config/nextest.toml": _t("cargo-nextest", "test-framework"),
    # end-to-end
    "playwright.config.*": _t("Playwright", "e2e-framework"),
    "cypress.config.*": _t("Cypress", "e2e-framework"),
    "cypress.json": _t("Cypress", "e2e-framework"),
    "wdio.conf.*": _t("WebdriverIO", "e2e-framework"),
    ".testcaferc*": _t("TestCafe", "e2e-framework"),
    "nightwatch.conf.*": _t("Nightwatch", "e2e-framework"),
    ".detoxrc*": _t("Detox", "e2e-framework"),
    # coverage
    ".coveragerc": _t("coverage.py", "coverage"),
    "codecov.yml": _t("Codecov", "coverage"),
    ".codecov.yml": _t("Codecov", "coverage"),
    ".nycrc*": _t("Istanbul", "coverage"),
    ".c8rc*": _t("c8", "coverage"),
    ".coveralls.yml": _t("Coveralls", "coverage"),
    # linters
    ".eslintrc*": _t("ESLint", "linter"),
    "eslint.config.*": _t("ESLint", "linter"),
    ".stylelintrc*": _t("Stylelint", "linter"),
    "stylelint.config.*": _t("Stylelint", "linter"),
    "biome.json": _t("Biome", "linter"),
    "biome.jsonc": _t("Biome", "linter"),
    ".oxlintrc.json": _t("Oxlint", "linter"),
    "ruff.toml": _t("Ruff", "linter"),
    ".ruff.toml": _t("Ruff", "linter"),
    ".flake8": _t("Flake8", "linter"),
    ".pylintrc": _t("Pylint", "linter"),
    "pylintrc": _t("Pylint", "linter"),
    ".golangci.y*ml": _t("golangci-lint", "linter"),
    ".golangci.toml": _t("golangci-lint", "linter"),
    ".golangci.json": _t("golangci-lint", "linter"),
    "clippy.toml": _t("Clippy", "linter"),
    ".clippy.toml": _t("Clippy", "linter"),
    ".rubocop.yml": _t("RuboCop", "linter"),
    "phpstan.neon*": _t("PHPStan", "linter"),
    "psalm.xml*": _t("Psalm", "linter"),
    ".php_cs*": _t("PHP CS Fixer", "formatter"),
    "checkstyle.xml": _t("Checkstyle", "linter"),
    "detekt.yml": _t("detekt", "linter"),
    ".swiftlint.yml": _t("SwiftLint", "linter"),
    ".markdownlint*": _t("markdownlint", "linter"),
    ".yamllint*": _t("yamllint", "linter"),
    ".hadolint.y*ml": _t("hadolint", "linter"),
    ".shellcheckrc": _t("ShellCheck", "linter"),
    "commitlint.config.*": _t("commitlint", "linter"),
    ".commitlintrc*": _t("commitlint", "linter"),
    # formatters
    ".prettierrc*": _t("Prettier", "formatter"),
    "prettier.config.*": _t("Prettier", "formatter"),
    "rustfmt.toml": _t("rustfmt", "formatter"),
    ".rustfmt.toml": _t("rustfmt", "formatter"),
    ".editorconfig": _t("EditorConfig", "formatter"),
    ".php-cs-fixer*.php": _t("PHP CS Fixer", "formatter"),
    "pint.json": _t("Laravel Pint", "formatter"),
    ".clang-format": _t("clang-format", "formatter"),
    "dprint.json": _t("dprint", "formatter"),
    ".isort.cfg": _t("isort", "formatter"),
    ".style.yapf": _t("autopep8", "formatter"),
    # type checkers
    "tsconfig.json": _t("TypeScript", "typechecker"),
    "mypy.ini": _t("mypy", "typechecker"),
    ".mypy.ini": _t("mypy", "typechecker"),
    "pyrightconfig.json": _t("Pyright", "typechecker"),
    "sorbet/config": _t("Sorbet", "typechecker"),
    # release tooling
    ".releaserc*": _t("semantic-release", "release-tooling"),
    "release.config.*": _t("semantic-release", "release-tooling"),
    "release-please-config.json": _t("release-please", "release-tooling"),
    ".release-please-manifest.json": _t("release-please", "release-tooling"),
    ".changeset/config.json": _t("Changesets", "release-tooling"),
    ".goreleaser.y*ml": _t("GoReleaser", "release-tooling"),
    ".cz.toml": _t("Commitizen", "release-tooling"),
    ".cz.json": _t("Commitizen", "release-tooling"),
    ".versionrc*": _t("standard-version", "release-tooling"),
    ".release-it.*": _t("release-it", "release-tooling"),
    "lerna.json": _t("Lerna", "release-tooling"),
    ".bumpversion.cfg": _t("bump-my-version", "release-tooling"),
    ".bumpversion.toml": _t("bump-my-version", "release-tooling"),
    "towncrier.toml": _t("towncrier", "release-tooling"),
    "cliff.toml": _t("git-cliff", "release-tooling"),
    "release-plz.toml": _t("release-plz", "release-tooling"),
    ".github/release.yml": _t("GitHub release notes", "release-tooling"),
    ".github/release-drafter.yml": _t("Release Drafter", "release-tooling"),
    # security scanners
    ".gitleaks.toml": _t("Gitleaks", "security-scanner"),
    ".gitleaksignore": _t("Gitleaks", "security-scanner"),
    ".secrets.baseline": _t("detect-secrets", "security-scanner"),
    ".semgrep.yml": _t("Semgrep", "security-scanner"),
    ".semgrep.yaml": _t("Semgrep", "security-scanner"),
    ".semgrep/**/*.y*ml": _t("Semgrep", "security-scanner"),
    ".bandit": _t("Bandit", "security-scanner"),
    "bandit.yaml": _t("Bandit", "security-scanner"),
    "bandit.yml": _t("Bandit", "security-scanner"),
    ".snyk": _t("Snyk", "security-scanner"),
    "trivy.yaml": _t("Trivy", "security-scanner"),
    ".trivyignore": _t("Trivy", "security-scanner"),
    ".github/codeql/*.y*ml": _t("CodeQL", "security-scanner"),
    "osv-scanner.toml": _t("OSV-Scanner", "security-scanner"),
    "deny.toml": _t("cargo-deny", "security-scanner"),
    ".safety-policy.yml": _t("Safety", "security-scanner"),
    # docs sites
    "mkdocs.yml": _t("MkDocs", "docs-site"),
    "mkdocs.yaml": _t("MkDocs", "docs-site"),
    "docs/conf.py": _t("Sphinx", "docs-site"),
    "doc/conf.py": _t("Sphinx", "docs-site"),
    "docs/source/conf.py": _t("Sphinx", "docs-site"),
    "docusaurus.config.*": _t("Docusaurus", "docs-site"),
    "book.toml": _t("mdBook", "docs-site"),
    ".vitepress/config.*": _t("VitePress", "docs-site"),
    ".vuepress/config.*": _t("VuePress", "docs-site"),
    ".readthedocs.y*ml": _t("Read the Docs", "docs-site"),
    "antora.yml": _t("Antora", "docs-site"),
    "typedoc.json": _t("TypeDoc", "docs-site"),
    ".storybook/main.*": _t("Storybook", "docs-site"),
    "hugo.toml": _t("Hugo", "docs-site"),
    "hugo.yaml": _t("Hugo", "docs-site"),
    "hugo.yml": _t("Hugo", "docs-site"),
    "hugo.json": _t("Hugo", "docs-site"),
    ".yardopts": _t("YARD", "docs-site"),
}

# -- lookups ---------------------------------------------------------------------------------

#: Manifest ecosystem -> the table column that spells its names.
_COLUMN = {
    "npm": "npm",
    "pypi": "pypi",
    "go": "go",
    "cargo": "cargo",
    "maven": "maven",
    "gradle": "maven",
    "rubygems": "gem",
    "composer": "composer",
}


def _key(name: str, column: str) -> str:
    return normalize_pypi(name) if column == "pypi" else name.lower()


def _build_index() -> tuple[dict[tuple[str, str], list[Tool]], dict[str, list[tuple[str, Tool]]]]:
    exact: dict[tuple[str, str], list[Tool]] = {}
    prefixes: dict[str, list[tuple[str, Tool]]] = {}
    for category, table in TABLES.items():
        for entry in table:
            tool = Tool(entry.name, category)
            for column in set(_COLUMN.values()):
                for spelled in getattr(entry, column).split():
                    if spelled.endswith("*"):
                        prefixes.setdefault(column, []).append((_key(spelled[:-1], column), tool))
                    else:
                        exact.setdefault((column, _key(spelled, column)), []).append(tool)
    for entries in prefixes.values():
        # The most specific prefix first; stable, so table order breaks ties.
        entries.sort(key=lambda e: -len(e[0]))
    return exact, prefixes


_EXACT, _PREFIXES = _build_index()


def classify_all(dep_name: str, ecosystem: str) -> tuple[Tool, ...]:
    """Every tool ``dep_name`` is, most specific first (Django is a web framework and an ORM)."""
    column = _COLUMN.get(ecosystem)
    if column is None or not dep_name:
        return ()
    key = _key(dep_name, column)
    found: list[Tool] = list(_EXACT.get((column, key), ()))
    if column == "go":
        # A Go module path covers its packages and major versions: walk up the path.
        parts = key.split("/")
        for i in range(len(parts) - 1, 0, -1):
            found += _EXACT.get((column, "/".join(parts[:i])), ())
    found += [tool for prefix, tool in _PREFIXES.get(column, ()) if key.startswith(prefix)]
    return tuple(dict.fromkeys(found))


def classify(dep_name: str, ecosystem: str) -> Tool | None:
    """The tool a dependency is, or None when the catalog does not know it."""
    tools = classify_all(dep_name, ecosystem)
    return tools[0] if tools else None


def tools_in(deps: Iterable[Dependency]) -> list[tuple[Tool, Dependency]]:
    """(tool, dependency) for every known tool among ``deps``, sorted by category, tool, path."""
    pairs = {(tool, d) for d in deps for tool in classify_all(d.name, d.ecosystem)}
    return sorted(
        pairs,
        key=lambda p: (
            CATEGORIES.index(p[0].category),
            p[0].name,
            p[1].path,
            p[1].line if p[1].line is not None else 1 << 30,
            p[1].name,
            p[1].dev,
        ),
    )


def glob_regex(glob: str) -> str:
    """A regular expression (unanchored) for a path glob: ``*`` within a segment, ``**/`` across."""
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def _compile_config_globs() -> tuple[re.Pattern[str], list[tuple[re.Pattern[str], Tool]]]:
    full = [
        (re.compile(r"(?:^|/)" + glob_regex(g) + r"\Z", re.IGNORECASE), tool)
        for g, tool in CONFIG_FILES.items()
    ]
    # One combined test on the file name first, so a huge tree costs one match per path.
    basenames = {glob_regex(g.rsplit("/", 1)[-1]) for g in CONFIG_FILES}
    quick = re.compile(r"(?:" + "|".join(sorted(basenames)) + r")\Z", re.IGNORECASE)
    return quick, full


_QUICK, _FULL = _compile_config_globs()


# Tools configured in a section of a shared file rather than a file of their own.
SECTION_TOOLS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "pyproject.toml": (("[tool.ruff", "Ruff", "linter"), ("[tool.black]", "Black", "formatter"),
                       ("[tool.isort]", "isort", "formatter"), ("[tool.mypy]", "mypy", "typechecker"),
                       ("[tool.pyright]", "Pyright", "typechecker"), ("[tool.pylint", "Pylint", "linter"),
                       ("[tool.flake8]", "flake8", "linter"), ("[tool.pytest.ini_options]", "pytest", "test-framework"),
                       ("[tool.coverage", "coverage.py", "coverage"), ("[tool.semantic_release", "python-semantic-release",
                                                                      "release-tooling"),
                       ("[tool.commitizen]", "Commitizen", "release-tooling"), ("[tool.bandit]", "Bandit",
                                                                                 "security-scanner")),
    "setup.cfg": (("[flake8]", "flake8", "linter"), ("[mypy]", "mypy", "typechecker"),
                  ("[tool:pytest]", "pytest", "test-framework"), ("[coverage:", "coverage.py", "coverage"),
                  ("[isort]", "isort", "formatter")),
    "tox.ini": (("[flake8]", "flake8", "linter"), ("[pytest]", "pytest", "test-framework")),
    ".pylintrc": (), "package.json": (('"eslintConfig"', "ESLint", "linter"), ('"prettier"', "Prettier", "formatter"),
                                      ('"jest"', "Jest", "test-framework")),
    # Release plugins a POM configures through properties or its build section (commons-lang's
    # <commons.release.version> drives the Commons Release Plugin its parent POM declares).
    # A hosting config that builds a site with a static-site generator (kind's netlify.toml runs hugo on site/).
    "netlify.toml": (('command = "hugo', "Hugo", "docs-site"), ("command = 'hugo", "Hugo", "docs-site"),
                     ('command = "mkdocs', "MkDocs", "docs-site"), ('command = "jekyll', "Jekyll", "docs-site"),
                     ('command = "mdbook', "mdBook", "docs-site"), ('command = "sphinx-build', "Sphinx", "docs-site")),
    "pom.xml": (("<commons.release.", "Commons Release Plugin", "release-tooling"),
                ("<artifactId>maven-release-plugin</artifactId>", "Maven Release Plugin", "release-tooling"),
                ("<artifactId>jreleaser-maven-plugin</artifactId>", "JReleaser", "release-tooling")),
}


def config_tools(tree: FileTree) -> list[tuple[Tool, str]]:
    """(tool, path) for each known configuration file, or section of a shared file, in ``tree``."""
    found: set[tuple[Tool, str]] = set()
    for path in tree.paths:
        name = path.rsplit("/", 1)[-1]
        if is_vendored(path):
            continue
        if _QUICK.match(name):
            for rx, tool in _FULL:
                if rx.search(path):
                    found.add((tool, path))
        sections = SECTION_TOOLS.get(name)
        if sections and path.count("/") <= 2:
            text = tree.read_text(path) or ""
            for marker, tool_name, category in sections:
                if (marker in text if marker.startswith(('"', "<")) else
                        any(line.strip().startswith(marker) for line in text.splitlines())):
                    found.add((Tool(tool_name, category), path))
    return sorted(found, key=lambda p: (CATEGORIES.index(p[0].category), p[0].name, p[1]))
