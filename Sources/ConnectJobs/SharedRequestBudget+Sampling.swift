import JobQueue

extension SharedRequestBudget {
    /// The budget in Redis, for the metrics sampler (`connectq_ovh_budget_tokens`).
    public var rateBudget: RateBudget { budget }
}
