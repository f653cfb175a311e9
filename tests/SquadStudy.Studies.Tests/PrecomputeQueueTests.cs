using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;

namespace SquadStudy.Studies.Tests;

/// <summary>A clock the tests move by hand, so leases run out without waiting.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>Precompute workers sharing one database: on SQLite and on a real PostgreSQL server.</summary>
public sealed class PrecomputeQueueTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly PrecomputeLeaseOptions Lease = new() { Lease = TimeSpan.FromSeconds(30), MaxAttempts = 3 };

    private sealed class StopAfter(int units, CancellationTokenSource source) : IProgress<PrecomputeProgress>
    {
        public void Report(PrecomputeProgress value)
        {
            if (value.ComputedThisRun >= units)
            {
                source.Cancel();
            }
        }
    }

    private async Task<(StudyDatabase Database, long StudyId)> ImportAsync(FakeEngine engine, TestPack files, bool onPostgres, TimeProvider? clock = null)
    {
        var database = await StudyDatabase.CreateAsync(engine, onPostgres ? await postgres.NewDatabaseAsync() : null, clock);
        var study = await database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root));
        return (database, study.Id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClaimedJob_IsNotGivenToASecondWorker_UntilItsLeaseRunsOut(bool onPostgres)
    {
        using var files = new TestPack();
        var clock = new ManualClock();
        var (database, _) = await ImportAsync(new FakeEngine(), files, onPostgres, clock);
        await using var _ = database;
        var queue = database.Services.GetRequiredService<PrecomputeQueue>();

        var first = await queue.TryClaimAsync("first", Lease);
        var second = await queue.TryClaimAsync("second", Lease);

        first.ShouldNotBeNull();
        first.Attempts.ShouldBe(1);
        second.ShouldBeNull();
        clock.Advance(Lease.Lease + TimeSpan.FromSeconds(1));
        var takenOver = await queue.TryClaimAsync("second", Lease);
        takenOver.ShouldNotBeNull();
        takenOver.LeaseOwner.ShouldBe("second");
        takenOver.Attempts.ShouldBe(2);
        NpgsqlConnection.ClearAllPools();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task JobWhoseWorkersKeepDying_IsMarkedFailedAfterTheBoundedAttempts(bool onPostgres)
    {
        using var files = new TestPack();
        var clock = new ManualClock();
        var (database, _) = await ImportAsync(new FakeEngine(), files, onPostgres, clock);
        await using var _ = database;
        var queue = database.Services.GetRequiredService<PrecomputeQueue>();

        for (var attempt = 1; attempt <= Lease.MaxAttempts; attempt++)
        {
            (await queue.TryClaimAsync($"doomed-{attempt}", Lease)).ShouldNotBeNull();
            clock.Advance(Lease.Lease + TimeSpan.FromSeconds(1));
        }

        (await queue.TryClaimAsync("next", Lease)).ShouldBeNull();
        var job = await database.WithDbAsync(db => db.PrecomputeJobs.SingleAsync());
        job.Status.ShouldBe(PrecomputeStatus.Failed);
        job.Error.ShouldNotBeNull().ShouldContain($"Gave up after {Lease.MaxAttempts} attempts");
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>
    /// A worker dies mid-way (its lease is never released), two more race for the job: one takes it
    /// over when the lease runs out and finishes it; no unit is computed twice and the outputs equal
    /// an uninterrupted single-worker run.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TwoWorkersAndAKilledOne_FinishTheJob_EveryUnitOnce_SameOutputsAsOneWorker(bool onPostgres)
    {
        using var files = new TestPack();
        var reference = new FakeEngine();
        var (single, singleId) = await ImportAsync(reference, files, onPostgres);
        await using var _ = single;
        var singleQueue = single.Services.GetRequiredService<PrecomputeQueue>();
        var only = await singleQueue.TryClaimAsync("only", Lease);
        await singleQueue.RunAsync(only.ShouldNotBeNull(), "only", Lease, new PrecomputeOptions { Workers = 2 });

        var engine = new FakeEngine();
        var clock = new ManualClock();
        var (shared, sharedId) = await ImportAsync(engine, files, onPostgres, clock);
        await using var __ = shared;
        var queue = shared.Services.GetRequiredService<PrecomputeQueue>();
        // The killed worker: takes the job, commits some units, then vanishes without releasing it.
        (await queue.TryClaimAsync("killed", Lease)).ShouldNotBeNull();
        using (var kill = new CancellationTokenSource())
        {
            await Should.ThrowAsync<OperationCanceledException>(() => shared.Services.GetRequiredService<Precomputer>()
                .RunAsync(sharedId, new PrecomputeOptions { Workers = 2 }, new StopAfter(10, kill), kill.Token));
        }
        var explainedByTheKilled = engine.ExplainCalls + engine.PredictCalls;
        explainedByTheKilled.ShouldBeGreaterThan(0);

        var ran = new int[2];
        var leaseRunOut = 0;
        async Task WorkAsync(int worker)
        {
            var owner = $"worker-{worker}";
            for (var round = 0; round < 400; round++)
            {
                if (await queue.TryClaimAsync(owner, Lease) is { } job)
                {
                    await queue.RunAsync(job, owner, Lease, new PrecomputeOptions { Workers = 1 });
                    Interlocked.Increment(ref ran[worker]);
                }
                var status = await shared.WithDbAsync(db => db.PrecomputeJobs.Select(j => j.Status).SingleAsync());
                if (status == PrecomputeStatus.Done)
                {
                    return;
                }
                if (round == 5 && Interlocked.Exchange(ref leaseRunOut, 1) == 0)
                {
                    // A live worker has found the job held five times; now the dead worker's lease runs
                    // out (once: the new holder's lease must not run out under it, the clock is manual).
                    clock.Advance(Lease.Lease + TimeSpan.FromSeconds(1));
                }
                await Task.Delay(20);
            }
            throw new TimeoutException($"{owner}: the job did not finish in 400 rounds");
        }
        await Task.WhenAll(WorkAsync(0), WorkAsync(1));

        ran.Sum().ShouldBe(1, "exactly one live worker took the job over");
        (await PrecomputerTests.OutputsAsync(shared)).ShouldBe(await PrecomputerTests.OutputsAsync(single));
        engine.PredictCalls.ShouldBe(reference.PredictCalls, "no prediction unit computed twice");
        engine.ExplainCalls.ShouldBe(reference.ExplainCalls, "no explanation unit computed twice");
        var finished = await shared.WithDbAsync(db => db.PrecomputeJobs.SingleAsync());
        finished.Status.ShouldBe(PrecomputeStatus.Done);
        finished.Attempts.ShouldBe(2);
        finished.LeaseOwner.ShouldBeNull();
        (await shared.WithDbAsync(db => db.Studies.SingleAsync(s => s.Id == sharedId))).Status.ShouldBe(StudyStatus.Ready);
        NpgsqlConnection.ClearAllPools();
    }
}
