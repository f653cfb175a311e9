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

/// <summary>Precompute workers sharing one database's item queue: on SQLite and on a real PostgreSQL server.</summary>
public sealed class PrecomputeQueueTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly PrecomputeLeaseOptions Lease = new() { Lease = TimeSpan.FromSeconds(30), MaxAttempts = 3 };

    private async Task<(StudyDatabase Database, long StudyId)> ImportAsync(FakeEngine engine, TestPack files, bool onPostgres, TimeProvider? clock = null)
    {
        var database = await StudyDatabase.CreateAsync(engine, onPostgres ? await postgres.NewDatabaseAsync() : null, clock);
        var study = await database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root));
        return (database, study.Id);
    }

    /// <summary>Makes the job's first items (the step a worker takes when it finds a job without any).</summary>
    private static async Task<int> StartAsync(StudyDatabase database, long studyId)
    {
        (await database.Services.GetRequiredService<Precomputer>().AdvanceAsync(studyId, CancellationToken.None)).ShouldBeTrue();
        return await database.WithDbAsync(db => db.PrecomputeItems.CountAsync());
    }

    private static async Task<List<PrecomputeItem>> ClaimAllAsync(PrecomputeQueue queue, string owner)
    {
        var claimed = new List<PrecomputeItem>();
        while (await queue.ClaimAsync(owner, Lease) is { } item)
        {
            claimed.Add(item);
        }
        return claimed;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClaimedItem_IsNotGivenToASecondWorker_UntilItsLeaseRunsOut(bool onPostgres)
    {
        using var files = new TestPack();
        var clock = new ManualClock();
        var (database, studyId) = await ImportAsync(new FakeEngine(), files, onPostgres, clock);
        await using var _ = database;
        var items = await StartAsync(database, studyId);
        items.ShouldBeGreaterThan(2);
        var queue = database.Services.GetRequiredService<PrecomputeQueue>();

        var first = (await queue.ClaimAsync("first", Lease)).ShouldNotBeNull();
        var second = await ClaimAllAsync(queue, "second");

        first.Attempts.ShouldBe(1);
        first.LeaseOwner.ShouldBe("first");
        second.Count.ShouldBe(items - 1);
        second.ShouldNotContain(i => i.Id == first.Id);
        clock.Advance(Lease.Lease + TimeSpan.FromSeconds(1));
        var takenOver = (await queue.ClaimAsync("third", Lease)).ShouldNotBeNull();
        takenOver.LeaseOwner.ShouldBe("third");
        takenOver.Attempts.ShouldBe(2);
        NpgsqlConnection.ClearAllPools();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ItemsWhoseWorkersKeepDying_AreMarkedFailedAfterTheBoundedAttempts_AndSoIsTheJob(bool onPostgres)
    {
        using var files = new TestPack();
        var clock = new ManualClock();
        var (database, studyId) = await ImportAsync(new FakeEngine(), files, onPostgres, clock);
        await using var _ = database;
        var items = await StartAsync(database, studyId);
        var queue = database.Services.GetRequiredService<PrecomputeQueue>();

        for (var attempt = 1; attempt <= Lease.MaxAttempts; attempt++)
        {
            (await ClaimAllAsync(queue, $"doomed-{attempt}")).Count.ShouldBe(items);
            clock.Advance(Lease.Lease + TimeSpan.FromSeconds(1));
        }

        (await queue.ClaimAsync("next", Lease)).ShouldBeNull();
        var failed = await database.WithDbAsync(db => db.PrecomputeItems.Where(i => i.Status == PrecomputeStatus.Failed).ToListAsync());
        failed.Count.ShouldBe(items);
        failed.ShouldAllBe(i => i.Attempts == Lease.MaxAttempts && i.LeaseOwner == null);
        failed[0].Error.ShouldNotBeNull().ShouldContain($"Gave up after {Lease.MaxAttempts} attempts");
        var job = await database.WithDbAsync(db => db.PrecomputeJobs.SingleAsync());
        job.Status.ShouldBe(PrecomputeStatus.Failed);
        job.Error.ShouldNotBeNull().ShouldStartWith($"{items} item(s) failed; the first: Gave up after {Lease.MaxAttempts} attempts");
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>
    /// A worker dies holding three items (its leases are never released); two live workers share
    /// the rest, wait for the dead worker's leases to run out, claim its items and finish: every item
    /// computed once, the outputs equal an uninterrupted single-worker run.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TwoWorkersAndAKilledOne_FinishTheJob_EveryItemOnce_SameOutputsAsOneWorker(bool onPostgres)
    {
        using var files = new TestPack();
        var reference = new FakeEngine();
        var (single, singleId) = await ImportAsync(reference, files, onPostgres);
        await using var _ = single;
        await single.Services.GetRequiredService<Precomputer>().RunAsync(singleId, new PrecomputeOptions { Workers = 2 });

        var engine = new FakeEngine();
        var clock = new ManualClock();
        var (shared, sharedId) = await ImportAsync(engine, files, onPostgres, clock);
        await using var __ = shared;
        var predictItems = await StartAsync(shared, sharedId);
        var queue = shared.Services.GetRequiredService<PrecomputeQueue>();
        var precomputer = shared.Services.GetRequiredService<Precomputer>();
        // The killed worker: claims three items, then vanishes without computing or releasing them.
        var held = new[] { await queue.ClaimAsync("killed", Lease), await queue.ClaimAsync("killed", Lease), await queue.ClaimAsync("killed", Lease) };
        held.ShouldAllBe(i => i != null);

        var computed = new int[2];
        async Task RoundAsync() => await Task.WhenAll(Enumerable.Range(0, 2).Select(async worker =>
            computed[worker] += await precomputer.WorkAsync($"worker-{worker}", Lease, new PrecomputeOptions { Workers = 1 }, sharedId)));
        await RoundAsync();

        // Everything else is predicted; the explanations wait for the three held predictions.
        (await shared.WithDbAsync(db => db.PrecomputeJobs.SingleAsync())).Phase.ShouldBe(PrecomputePhase.Predict);
        engine.PredictCalls.ShouldBe(predictItems - 3);
        engine.ExplainCalls.ShouldBe(0);
        clock.Advance(Lease.Lease + TimeSpan.FromSeconds(1));
        await RoundAsync();

        (await PrecomputerTests.OutputsAsync(shared)).ShouldBe(await PrecomputerTests.OutputsAsync(single));
        engine.PredictCalls.ShouldBe(reference.PredictCalls, "no prediction computed twice");
        engine.ExplainCalls.ShouldBe(reference.ExplainCalls, "no explanation computed twice");
        var items = await shared.WithDbAsync(db => db.PrecomputeItems.AsNoTracking().ToListAsync());
        items.ShouldAllBe(i => i.Status == PrecomputeStatus.Done && i.LeaseOwner == null);
        items.Where(i => held.Any(h => h!.Id == i.Id)).ShouldAllBe(i => i.Attempts == 2);
        var computedItems = items.Count(i => i.Attempts > 0);
        computed.Sum().ShouldBe(computedItems, "each claimed item computed by exactly one live worker");
        var finished = await shared.WithDbAsync(db => db.PrecomputeJobs.SingleAsync());
        finished.Status.ShouldBe(PrecomputeStatus.Done);
        finished.Phase.ShouldBe(PrecomputePhase.Done);
        finished.Completed.ShouldBe(finished.Total);
        finished.Total.ShouldBe(2 * predictItems);
        (await shared.WithDbAsync(db => db.Studies.SingleAsync(s => s.Id == sharedId))).Status.ShouldBe(StudyStatus.Ready);
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>
    /// An item whose computation throws is retried a bounded number of times, then marked failed with
    /// the error, and the job with it; once the cause is mended, retrying the failed items finishes
    /// the job with the outputs of a run that never failed.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FailingItems_AreRetriedBoundedTimes_RecordTheirError_AndFinishWhenRetriedAfterTheCauseIsMended(bool onPostgres)
    {
        using var files = new TestPack();
        var reference = new FakeEngine();
        var (whole, wholeId) = await ImportAsync(reference, files, onPostgres);
        await using var _ = whole;
        await whole.Services.GetRequiredService<Precomputer>().RunAsync(wholeId);

        var engine = new FakeEngine { ExplainFails = true };
        var (database, studyId) = await ImportAsync(engine, files, onPostgres);
        await using var __ = database;
        var precomputer = database.Services.GetRequiredService<Precomputer>();

        var error = await Should.ThrowAsync<InvalidOperationException>(() => precomputer.RunAsync(studyId, new PrecomputeOptions { Workers = 2 }));

        var failed = await database.WithDbAsync(db => db.PrecomputeItems.Where(i => i.Status == PrecomputeStatus.Failed).ToListAsync());
        failed.ShouldNotBeEmpty();
        failed.ShouldAllBe(i => i.Phase == PrecomputePhase.Explain && i.Attempts == new PrecomputeLeaseOptions().MaxAttempts);
        failed.ShouldAllBe(i => i.Error!.Contains("fake explanation failure"));
        error.Message.ShouldContain($"{failed.Count} item(s) failed; the first: InvalidOperationException: fake explanation failure");
        var job = await database.WithDbAsync(db => db.PrecomputeJobs.SingleAsync());
        job.Status.ShouldBe(PrecomputeStatus.Failed);
        (await database.WithDbAsync(db => db.Studies.SingleAsync())).Status.ShouldBe(StudyStatus.Precomputing);

        engine.ExplainFails = false;
        (await database.Services.GetRequiredService<PrecomputeQueue>().RetryFailedAsync(studyId)).ShouldBeTrue();
        await precomputer.RunAsync(studyId);

        (await PrecomputerTests.OutputsAsync(database)).ShouldBe(await PrecomputerTests.OutputsAsync(whole));
        (await database.WithDbAsync(db => db.PrecomputeJobs.SingleAsync())).Status.ShouldBe(PrecomputeStatus.Done);
        (await database.WithDbAsync(db => db.Studies.SingleAsync())).Status.ShouldBe(StudyStatus.Ready);
        NpgsqlConnection.ClearAllPools();
    }
}
