// nvsx serve: fires runbooks from webhooks (--mode webhook) or from new fatal
// HealthEvents (--mode watch; --source mongodb reads NVSentinel's legacy
// MongoDB instead), records every accepted trigger, and serves run state and
// metrics over HTTP.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <random>
#include <set>

#include "common/flag_checks.h"
#include "common/program.h"
#include "core/file_io.h"
#include "core/http_server.h"
#include "core/metrics.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "core/text.h"
#include "nvsx/commands.h"
#include "nvsx/runner.h"
#include "nvsx/serve/dispatcher.h"
#include "nvsx/serve/health_event_mongo_poll.h"
#include "nvsx/serve/health_event_watch.h"
#include "nvsx/serve/runner_executor.h"
#include "nvsx/serve/serve_metrics.h"
#include "nvsx/serve/trigger_store.h"
#include "nvsx/serve/webhook_auth.h"
#include "nvsx/serve/webhook_routes.h"

namespace nvsx::cmd {
namespace {

constexpr char kProgram[] = "nvsx serve";

struct ServeFlags {
  std::string mode = "webhook";
  std::string listen = "127.0.0.1:8080";
  std::string token_file;
  std::string hmac_secret_file;
  std::string mapping_file;
  size_t max_concurrent_runs = 4;
  size_t max_queued = 10'000;
  int run_niceness = 10;
  size_t max_body_bytes = 64 * 1024;
  size_t max_connections = 64;
  std::string signature_window = "5m";
  std::string source = "healthevents";
  int poll_interval = 10;  // seconds; --source mongodb polls, HealthEvents are watched
  std::string mongodb_namespace = "nvsentinel";
  std::string mongodb_pod;
  std::string mongodb_selector = "app.kubernetes.io/name=mongodb";
  std::string mongodb_container;
  std::string mongodb_database = "nvsentinel";
  std::string mongodb_collection = "HealthEvents";
  std::string mongodb_lookback = "15m";
  bool events = false;
  bool fsync = false;
};

// A secret from a file: its contents without surrounding whitespace, never empty.
absl::StatusOr<std::string> ReadSecret(const char* flag, const std::string& file) {
  absl::StatusOr<std::string> text = core::ReadFile(file);
  if (!text.ok()) {
    return absl::InvalidArgumentError(core::StrCat(flag, ": ", text.status().message()));
  }
  std::string secret(core::TrimWhitespace(*text));
  if (secret.empty()) {
    return absl::InvalidArgumentError(core::StrCat(flag, " ", file, ": the file is empty"));
  }
  return secret;
}

// Where --source mongodb reads, and how often; the shell part also serves
// the runbooks' mongo-event stages, whatever the source.
absl::StatusOr<serve::MongoPollOptions> MongoOptions(NvsxContext& context, const ServeFlags& flags,
                                                     bool read_source) {
  serve::MongoPollOptions mongo;
  if (read_source) {
    NVSX_ASSIGN_OR_RETURN(mongo.lookback,
                          ParseDurationFlag("--mongodb-lookback", flags.mongodb_lookback));
    mongo.interval = absl::Seconds(flags.poll_interval);
    mongo.collection = flags.mongodb_collection;
    if (absl::Status valid = op::CheckMongoCollection(mongo.collection); !valid.ok()) {
      return core::Annotate(valid, "--mongodb-collection");
    }
  }
  mongo.shell = context.MongoShell();
  mongo.shell.namespace_name = flags.mongodb_namespace;
  mongo.shell.pod = flags.mongodb_pod;
  mongo.shell.pod_selector = flags.mongodb_selector;
  mongo.shell.container = flags.mongodb_container;
  mongo.shell.database = flags.mongodb_database;
  return mongo;
}

absl::StatusOr<serve::WebhookAuthOptions> AuthOptions(const ServeFlags& flags) {
  serve::WebhookAuthOptions auth;
  if (!flags.token_file.empty()) {
    NVSX_ASSIGN_OR_RETURN(auth.token, ReadSecret("--token-file", flags.token_file));
  }
  if (!flags.hmac_secret_file.empty()) {
    NVSX_ASSIGN_OR_RETURN(auth.hmac_secret,
                          ReadSecret("--hmac-secret-file", flags.hmac_secret_file));
  }
  NVSX_ASSIGN_OR_RETURN(auth.window,
                        ParseDurationFlag("--signature-window", flags.signature_window));
  return auth;
}

int Serve(NvsxContext& context, const ServeFlags& flags) {
  absl::StatusOr<core::Logger> logger =
      MakeStderrLogger(context.log_level, context.env, &context.clock);
  if (!logger.ok()) return ReportError(kProgram, logger.status());
  const bool watch = flags.mode == "watch" || flags.mode == "poll";
  const bool mongodb = flags.source == "mongodb";
  if (mongodb && !watch) {
    return ReportError(
        kProgram, absl::InvalidArgumentError("--source mongodb: only with --mode watch (or poll); "
                                             "webhook mode takes its triggers from requests"));
  }
  absl::StatusOr<serve::MongoPollOptions> mongo = MongoOptions(context, flags, mongodb);
  if (!mongo.ok()) return ReportError(kProgram, mongo.status());

  absl::StatusOr<core::HostPort> listen = core::ParseHostPort(flags.listen);
  if (!listen.ok()) {
    return ReportError(kProgram, absl::InvalidArgumentError(
                                     core::StrCat("--listen: ", listen.status().message())));
  }
  absl::StatusOr<serve::WebhookAuthOptions> auth_options = AuthOptions(flags);
  if (!auth_options.ok()) return ReportError(kProgram, auth_options.status());
  serve::WebhookAuth auth(*auth_options, &context.clock);
  if (!auth.enabled() && !core::IsLoopbackHost(listen->host)) {
    return ReportError(kProgram, absl::InvalidArgumentError(core::StrCat(
                                     "refusing to listen on ", listen->ToString(),
                                     " without authentication: give --token-file and/or "
                                     "--hmac-secret-file, or listen on 127.0.0.1")));
  }
  serve::WebhookRoutesOptions routes_options;
  routes_options.accept_webhooks = !watch;
  if (!flags.mapping_file.empty()) {
    absl::StatusOr<serve::TriggerMapping> mapping = serve::LoadTriggerMapping(flags.mapping_file);
    if (!mapping.ok()) {
      return ReportError(kProgram, absl::InvalidArgumentError(
                                       core::StrCat("--mapping: ", mapping.status().message())));
    }
    routes_options.mapping = *mapping;
  }

  absl::StatusOr<op::RunbookLocation> location = context.Runbooks();
  if (!location.ok()) return ReportError(kProgram, location.status());
  std::vector<op::Runbook> runbooks;
  for (op::CatalogEntry& entry : op::LoadCatalog(*location)) {
    if (!entry.runbook.ok()) {
      logger->Warn("runbook skipped", {{"error", entry.runbook.status().ToString()}});
      continue;
    }
    routes_options.runbooks.insert(entry.slug);
    runbooks.push_back(*std::move(entry.runbook));
  }

  const std::filesystem::path state_dir = context.StateDir();
  absl::StatusOr<std::unique_ptr<serve::TriggerStore>> triggers =
      serve::TriggerStore::Open(state_dir / "runs.db", flags.fsync);
  if (!triggers.ok()) return ReportError(kProgram, triggers.status());
  absl::StatusOr<std::unique_ptr<op::RunStore>> runs = op::RunStore::Open(state_dir / "runs.db");
  if (!runs.ok()) return ReportError(kProgram, runs.status());

  absl::StatusOr<std::unique_ptr<kube::RestClient>> client = context.Connect();
  if (!client.ok()) {
    // MongoDB is read through kubectl; only HealthEvent objects need the client.
    if (watch && !mongodb) return ReportError(kProgram, client.status());
    logger->Warn("no cluster connection: runbook stages that watch the cluster will fail",
                 {{"error", client.status().ToString()}});
  }
  kube::RestClient* cluster = client.ok() ? client->get() : nullptr;

  core::MetricsRegistry registry;
  absl::StatusOr<std::unique_ptr<serve::ServeMetrics>> metrics =
      serve::ServeMetrics::Create(&registry);
  if (!metrics.ok()) return ReportError(kProgram, metrics.status());

  serve::RunnerExecutor executor(
      {*location, state_dir, context.env, flags.events ? stdout : nullptr, {.mongo = mongo->shell}},
      cluster, &context.clock, *logger);
  // Ids are unique within a second for 65,536 runs; the random start keeps a
  // restart within the same second from reusing its predecessor's.
  auto counter = std::make_shared<std::atomic<uint64_t>>(std::random_device()());
  serve::Dispatcher dispatcher(
      triggers->get(), &executor, &context.clock,
      {flags.max_concurrent_runs, flags.max_queued, flags.run_niceness},
      [&context, counter] { return op::NewRunId(context.clock.Now(), counter->fetch_add(1)); },
      metrics->get());
  absl::StatusOr<std::vector<serve::TriggerRecord>> leftovers = dispatcher.InterruptLeftovers();
  if (!leftovers.ok()) return ReportError(kProgram, leftovers.status());
  for (const serve::TriggerRecord& record : *leftovers) {
    logger->Warn("run cut off by an earlier stop, marked interrupted",
                 {{"run", record.run_id},
                  {"runbook", record.trigger.runbook},
                  {"node", record.trigger.node}});
  }
  dispatcher.Start();

  core::HttpServerOptions server_options;
  server_options.listen = *listen;
  server_options.max_body_bytes = flags.max_body_bytes;
  server_options.worker_threads = flags.max_connections;
  // Senders that keep their connection open (Alertmanager, load balancers)
  // are not made to reconnect every few requests.
  server_options.keep_alive_max_requests = 1000;
  core::HttpServer server(server_options);
  serve::WebhookRoutes routes(routes_options, &auth, &dispatcher, triggers->get(), runs->get(),
                              &registry, metrics->get());
  routes.Register(server);
  std::unique_ptr<serve::HealthEventWatch> events;
  std::unique_ptr<serve::MongoHealthEventPoll> mongo_events;
  if (watch && mongodb) {
    mongo_events = std::make_unique<serve::MongoHealthEventPoll>(*mongo, cluster, &context.clock,
                                                                 &dispatcher, runbooks, *logger);
    server.AddReadinessCheck("mongodb", [poll = mongo_events.get()] {
      return poll->HasSynced() ? absl::OkStatus()
                               : absl::UnavailableError("MongoDB HealthEvents not read yet");
    });
  } else if (watch) {
    events = std::make_unique<serve::HealthEventWatch>(cluster, &context.clock, &dispatcher,
                                                       runbooks, *logger);
    server.AddReadinessCheck("healthevents", [watcher = events.get()] {
      return watcher->HasSynced() ? absl::OkStatus()
                                  : absl::UnavailableError("HealthEvents not listed yet");
    });
  }
  if (absl::Status started = server.Start(); !started.ok()) {
    return ReportError(kProgram, started);
  }
  if (events) events->Start();
  if (mongo_events) mongo_events->Start();
  std::fprintf(stderr, "%s: %s mode, listening on http://%s (runbooks: %zu, state: %s)\n", kProgram,
               !watch    ? "webhook"
               : mongodb ? "watch (MongoDB)"
                         : "watch",
               server.address().c_str(), runbooks.size(), state_dir.c_str());
  std::fflush(stderr);

  WaitForTerminationSignal();
  logger->Info("shutting down: no new triggers; running runs go to postmortem");
  SignalWatcher insist([](int, int) { ::_exit(kExitInterrupted); });
  if (events) events->Stop();
  if (mongo_events) mongo_events->Stop();
  server.Stop();
  dispatcher.Shutdown();
  return kExitOk;
}

}  // namespace

std::function<int()> AddServeCommand(CLI::App& app, NvsxContext& context) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* command = app.add_subcommand(
      "serve",
      "Fire runbooks from webhooks or new HealthEvents.\n"
      "webhook: POST /webhook with {\"runbook\", \"target_node\", \"source\"}, an Alertmanager\n"
      "webhook or a PagerDuty V3 webhook -> 202 {\"status\":\"fired\",\"run\":ID}; GET /runs/ID,\n"
      "/healthz, /readyz, /metrics. watch (alias poll): watches HealthEvents and fires the\n"
      "matching runbook once per new fatal event; --source mongodb reads them from\n"
      "NVSentinel's legacy MongoDB instead (kubectl exec ... mongosh, every --poll-interval).\n"
      "Accepted triggers are kept in the state folder's runs.db; runs a previous process left\n"
      "unfinished are marked interrupted.");
  command->add_option("--mode", flags->mode, "webhook, watch, or poll (the same as watch)")
      ->check(OneOf({"webhook", "watch", "poll"}))
      ->capture_default_str();
  command
      ->add_option("--listen", flags->listen,
                   "HOST:PORT to serve on (port 0 picks one); beyond loopback only with auth")
      ->capture_default_str();
  command->add_option("--token-file", flags->token_file,
                      "File holding the bearer token requests must send (Authorization: Bearer)");
  command->add_option("--hmac-secret-file", flags->hmac_secret_file,
                      "File holding the HMAC-SHA256 secret: requests send X-Nvsx-Timestamp (Unix "
                      "seconds) and X-Nvsx-Signature: sha256=HEX over timestamp + \".\" + body");
  command
      ->add_option("--signature-window", flags->signature_window,
                   "How old a signed request may be; a signature is accepted once within it")
      ->capture_default_str();
  command->add_option("--mapping", flags->mapping_file,
                      "YAML naming the Alertmanager labels and PagerDuty custom details that "
                      "hold the runbook and node (default: runbook and node)");
  command
      ->add_option("--max-concurrent-runs", flags->max_concurrent_runs,
                   "Runs at once; more triggers wait in a first-in, first-out queue")
      ->check(WholeNumber(1, 256))
      ->capture_default_str();
  command
      ->add_option("--max-queued", flags->max_queued,
                   "Queued triggers beyond which requests get 429")
      ->check(WholeNumber(1, 10'000'000))
      ->capture_default_str();
  command
      ->add_option("--run-niceness", flags->run_niceness,
                   "Added to the nice value of runs (and the hooks they start), so that under "
                   "load answering webhooks comes first; 0 runs them at serve's priority")
      ->check(WholeNumber(0, 19))
      ->capture_default_str();
  command
      ->add_option("--max-body-bytes", flags->max_body_bytes,
                   "Larger request bodies are refused with 413")
      ->check(WholeNumber(256, 16 * 1024 * 1024))
      ->capture_default_str();
  command
      ->add_option("--source", flags->source,
                   "Where watch mode reads HealthEvents: healthevents (the objects, watched) or "
                   "mongodb (NVSentinel's legacy MongoDB, polled through kubectl exec mongosh)")
      ->check(OneOf({"healthevents", "mongodb"}))
      ->capture_default_str();
  command
      ->add_option("--poll-interval", flags->poll_interval,
                   "Seconds between MongoDB queries with --source mongodb (HealthEvent objects "
                   "are watched, not polled)")
      ->check(WholeNumber(1, 3600))
      ->capture_default_str();
  command
      ->add_option("--mongodb-namespace", flags->mongodb_namespace,
                   "Namespace of NVSentinel's MongoDB pod")
      ->capture_default_str();
  command->add_option(
      "--mongodb-pod", flags->mongodb_pod,
      "The MongoDB pod (default: the first Running pod --mongodb-selector matches)");
  command
      ->add_option("--mongodb-selector", flags->mongodb_selector,
                   "Label selector of the MongoDB pods")
      ->capture_default_str();
  command->add_option("--mongodb-container", flags->mongodb_container,
                      "Container of the MongoDB pod that has mongosh (default: kubectl's choice)");
  command->add_option("--mongodb-database", flags->mongodb_database, "Database of the collection")
      ->capture_default_str();
  command
      ->add_option("--mongodb-collection", flags->mongodb_collection,
                   "Collection holding the HealthEvent documents")
      ->capture_default_str();
  command
      ->add_option("--mongodb-lookback", flags->mongodb_lookback,
                   "At start, documents this recent are read (fired ones are not fired again)")
      ->capture_default_str();
  command
      ->add_option("--max-connections", flags->max_connections,
                   "Connections served at once; each idle keep-alive connection holds one, and "
                   "more wait until one closes")
      ->check(WholeNumber(8, 10000))
      ->capture_default_str();
  command->add_flag("--events", flags->events, "Print every run's events as JSON lines");
  command->add_flag("--fsync", flags->fsync,
                    "Flush each accepted trigger to disk before answering: survives a power "
                    "loss too (a kill -9 is survived without it), at an fsync per trigger");
  return [command, flags, &context] { return *command ? Serve(context, *flags) : -1; };
}

}  // namespace nvsx::cmd
