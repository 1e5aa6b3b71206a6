# Sidekiq side of ops/bench/peers: the no-op job and its server configuration.
# Loaded by the worker (`sidekiq -r`) and by sidekiq_push.rb.
require "sidekiq"

# Same record as mark.py: per process, first and latest job time and the count, one pwrite.
module PeersMark
  LOCK = Mutex.new
  @pid = nil

  def self.mark
    LOCK.synchronize do
      now = Process.clock_gettime(Process::CLOCK_REALTIME)
      if @pid != Process.pid
        @pid = Process.pid
        @first = now
        @count = 0
        @file = File.open(File.join(ENV.fetch("PEERS_TS_DIR"), @pid.to_s), "w")
      end
      @count += 1
      @file.pwrite(format("%.6f %.6f %d\n", @first, now, @count), 0)
    end
  end
end

class NoopJob
  include Sidekiq::Worker
  sidekiq_options retry: false

  def perform
    PeersMark.mark
  end
end

# redis-rb's hiredis driver (Debian's ruby-hiredis) unless PEERS_SIDEKIQ_DRIVER=ruby.
REDIS_OPTIONS = { url: ENV.fetch("PEERS_REDIS_URL"), driver: ENV.fetch("PEERS_SIDEKIQ_DRIVER", "hiredis").to_sym }

Sidekiq.configure_server do |config|
  config.redis = REDIS_OPTIONS
  # The job logger writes two INFO lines per job: not part of a no-op job's cost.
  config.logger.level = Logger::WARN
end

Sidekiq.configure_client do |config|
  config.redis = REDIS_OPTIONS
end
