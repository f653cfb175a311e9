using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Tests.Participation;

/// <summary>The SQLite writer's group commit: many writes share a transaction, and one failing write fails alone.</summary>
public sealed class SqliteWriteQueueTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory), IClassFixture<SquadStudyWebFactory>
{
    private SqliteWriteQueue Queue => Factory.Services.GetRequiredService<SqliteWriteQueue>();

    private async Task<List<ParticipantState>> EnrolAsync(TestStudy study, int count)
    {
        var definition = await Factory.WithDbAsync(db => db.Studies.Where(s => s.Id == study.Id).Select(s => s.DefinitionJson).SingleAsync());
        var now = DateTime.UtcNow;
        var enrolled = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => Queue.EnrolAsync(
            PlanDrawer.Enrolment(study.Id, StudyDefinition.Parse(definition), RecruiterParameters.None, now, now.AddHours(-1)),
            CancellationToken.None)));
        return [.. enrolled];
    }

    private Task<PlanItem> ItemAsync(long participantId, int position) =>
        Factory.WithDbAsync(db => db.PlanItems.AsNoTracking().SingleAsync(i => i.ParticipantId == participantId && i.Position == position));

    private static AnswerWrite Answer(ParticipantState participant, PlanItem item) =>
        new(participant.Id, item.Id, item.Position, false, item.StimulusId, "x", null, null, 5, DateTime.UtcNow, DateTime.UtcNow);

    [Fact]
    public async Task ManyWritesAtOnce_ShareTransactions_AndAreAllStored()
    {
        var study = await AddStudyAsync();
        var participants = await EnrolAsync(study, 60);
        var items = await Task.WhenAll(participants.Select(p => ItemAsync(p.Id, 0)));
        var before = Queue.Committed;
        // Holding the writer keeps it waiting while all sixty queue up.
        var hold = Queue.Hold();
        List<Task<RecordOutcome>> writes;
        try
        {
            writes = participants.Select((p, i) => Queue.RecordAnswerAsync(Answer(p, items[i]), CancellationToken.None)).ToList();
            writes.ShouldAllBe(w => !w.IsCompleted);
        }
        finally
        {
            hold.Dispose();
        }

        var outcomes = await Task.WhenAll(writes);

        outcomes.ShouldAllBe(o => o == RecordOutcome.Recorded);
        var after = Queue.Committed;
        (after.Writes - before.Writes).ShouldBe(60);
        // At most the write the writer had taken before it waited, then all the others in one commit.
        (after.Transactions - before.Transactions).ShouldBeLessThanOrEqualTo(2);
        (await Factory.WithDbAsync(db => db.Answers.CountAsync(a => db.Participants.Any(p => p.Id == a.ParticipantId && p.StudyId == study.Id)))).ShouldBe(60);
        await AssertCountersConsistentAsync(study.Id);
    }

    [Fact]
    public async Task ManyEnrolmentsAtOnce_AreSpreadOverTransactions()
    {
        var study = await AddStudyAsync();
        var definition = StudyDefinition.Parse(await Factory.WithDbAsync(db => db.Studies.Where(s => s.Id == study.Id).Select(s => s.DefinitionJson).SingleAsync()));
        var before = Queue.Committed;
        var hold = Queue.Hold();
        List<Task<ParticipantState>> enrolments;
        try
        {
            var now = DateTime.UtcNow;
            enrolments = Enumerable.Range(0, 12)
                .Select(_ => Queue.EnrolAsync(PlanDrawer.Enrolment(study.Id, definition, RecruiterParameters.None, now, now.AddHours(-1)), CancellationToken.None))
                .ToList();
        }
        finally
        {
            hold.Dispose();
        }

        (await Task.WhenAll(enrolments)).Select(p => p.Id).Distinct().Count().ShouldBe(12);

        // At most MaxEnrolmentsPerBatch per transaction, so answers queued behind them are not held for all twelve.
        (Queue.Committed.Transactions - before.Transactions).ShouldBeGreaterThanOrEqualTo(12 / SqliteWriteQueue.MaxEnrolmentsPerBatch);
        await AssertCountersConsistentAsync(study.Id);
    }

    [Fact]
    public async Task AFailingWrite_RollsBackAlone_AndItsCallerSeesTheError()
    {
        var study = await AddStudyAsync();
        var participants = await EnrolAsync(study, 3);
        var items = await Task.WhenAll(participants.Select(p => ItemAsync(p.Id, 0)));
        // An answer already stored for the middle participant's item although its position did not
        // move: the guard lets the write through, the unique index refuses the insert.
        await Factory.WithDbAsync(async db =>
        {
            db.Answers.Add(new Answer
            {
                ParticipantId = participants[1].Id, PlanItemId = items[1].Id, Position = 0, Choice = "planted",
                ResponseMs = 1, ShownUtc = DateTime.UtcNow, AnsweredUtc = DateTime.UtcNow,
            });
            return await db.SaveChangesAsync();
        });

        var writes = participants.Select((p, i) => Queue.RecordAnswerAsync(Answer(p, items[i]), CancellationToken.None)).ToList();

        (await writes[0]).ShouldBe(RecordOutcome.Recorded);
        (await Should.ThrowAsync<SqliteException>(() => writes[1])).SqliteErrorCode.ShouldBe(19);
        (await writes[2]).ShouldBe(RecordOutcome.Recorded);
        var positions = await Factory.WithDbAsync(db => db.Participants.AsNoTracking().Where(p => p.StudyId == study.Id)
            .OrderBy(p => p.Id).Select(p => p.CurrentPosition).ToListAsync());
        // The failed write's position update was rolled back with its insert.
        positions.ShouldBe([1, 0, 1]);
    }

    [Fact]
    public async Task ARepeatedAnswer_StoresNothing()
    {
        var study = await AddStudyAsync();
        var participant = (await EnrolAsync(study, 1))[0];
        var item = await ItemAsync(participant.Id, 0);

        var both = await Task.WhenAll(Queue.RecordAnswerAsync(Answer(participant, item), CancellationToken.None),
            Queue.RecordAnswerAsync(Answer(participant, item), CancellationToken.None));

        both.Count(o => o == RecordOutcome.Recorded).ShouldBe(1);
        both.Count(o => o == RecordOutcome.NotCurrent).ShouldBe(1);
        (await Factory.WithDbAsync(db => db.Answers.CountAsync(a => a.ParticipantId == participant.Id))).ShouldBe(1);
        await AssertCountersConsistentAsync(study.Id);
    }

    [Fact]
    public async Task TheWriterCheckpointsTheLogItself_SoAnsweredWritesReachTheDatabaseFile()
    {
        var study = await AddStudyAsync();
        var participants = await EnrolAsync(study, 20);
        var items = await Task.WhenAll(participants.Select(p => ItemAsync(p.Id, 0)));
        // A second writer on the same database that checkpoints after every batch.
        var settings = Factory.Services.GetRequiredService<SquadStudy.Data.DatabaseSettings>();
        var writer = new SqliteWriteQueue(settings,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteWriteQueue>.Instance, checkpointInterval: TimeSpan.Zero);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            (await Task.WhenAll(participants.Select((p, i) => writer.RecordAnswerAsync(Answer(p, items[i]), CancellationToken.None))))
                .ShouldAllBe(o => o == RecordOutcome.Recorded);
            // A passive checkpoint leaves the pages that a reader of the site (a background sweep, say) still
            // needs at that moment, and is busy (copies nothing) while the site's own writer checkpoints the same
            // file; the next batch's checkpoint copies them. A replayed answer is such a batch (it stores nothing),
            // so replay, a little later each time, until a checkpoint completed — at once, unless another interfered.
            for (var attempt = 0; ; attempt++)
            {
                // The checkpoint comes after the callers were answered: wait for it (a timeout, not a measurement).
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (writer.Checkpoints < writer.Committed.Transactions && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(10);
                }
                writer.Checkpoints.ShouldBe(writer.Committed.Transactions);
                if (writer.LastCheckpointComplete)
                {
                    break;
                }
                attempt.ShouldBeLessThan(20, "every checkpoint was left incomplete by a reader or another checkpointer");
                await Task.Delay(50 * (attempt + 1));
                (await writer.RecordAnswerAsync(Answer(participants[0], items[0]), CancellationToken.None)).ShouldBe(RecordOutcome.NotCurrent);
            }
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
        }

        // The database file alone, without its write-ahead log, holds every answer.
        var file = new SqliteConnectionStringBuilder(settings.ConnectionString).DataSource;
        var copy = Path.Combine(Path.GetTempPath(), $"checkpointed-{Guid.NewGuid():N}.db");
        File.Copy(file, copy);
        try
        {
            await using var connection = new SqliteConnection($"Data Source={copy};Pooling=False");
            await connection.OpenAsync();
            await using var count = connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM answers a JOIN participants p ON p.id = a.participant_id WHERE p.study_id = $study";
            count.Parameters.AddWithValue("$study", study.Id);
            Convert.ToInt32(await count.ExecuteScalarAsync()).ShouldBe(20);
        }
        finally
        {
            foreach (var path in new[] { copy, copy + "-wal", copy + "-shm" })
            {
                File.Delete(path);
            }
        }
    }
}
