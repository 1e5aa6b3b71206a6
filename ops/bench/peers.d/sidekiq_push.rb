# Enqueues N no-op Sidekiq jobs with push_bulk, 1,000 per call (one LPUSH each).
# Usage: ruby sidekiq_push.rb QUEUE N   (PEERS_REDIS_URL names the Redis)
require_relative "sidekiq_job"

queue = ARGV.fetch(0)
n = Integer(ARGV.fetch(1))
pushed = 0
while pushed < n
  batch = [1000, n - pushed].min
  Sidekiq::Client.push_bulk("class" => NoopJob, "queue" => queue, "args" => Array.new(batch) { [] })
  pushed += batch
end
