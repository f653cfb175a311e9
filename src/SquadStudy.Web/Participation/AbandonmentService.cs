namespace SquadStudy.Web.Participation;

public sealed class ParticipationOptions
{
    public const string Section = "Participation";

    /// <summary>How often idle plans are looked for; enrolment also checks its study first.</summary>
    public TimeSpan AbandonSweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Periodically marks idle participants abandoned and frees their unanswered stimuli.</summary>
public sealed class AbandonmentService(IServiceScopeFactory scopes, Microsoft.Extensions.Options.IOptions<ParticipationOptions> options, ILogger<AbandonmentService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.AbandonSweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ParticipationService>().ReleaseAbandonedAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed sweep (e.g. the schema is not migrated yet) is retried on the next tick.
                logger.LogError(e, "Sweeping abandoned participants failed.");
            }
        }
    }
}
