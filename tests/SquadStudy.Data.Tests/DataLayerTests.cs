using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Data.Migrations;

namespace SquadStudy.Data.Tests;

/// <summary>
/// The data-layer contract, run once on SQLite and once on a real PostgreSQL server: the
/// hand-written migrations create a schema the EF model agrees with, upgrades keep data, and the
/// database itself enforces the integrity rules the site relies on.
/// </summary>
public abstract class DataLayerTests
{
    /// <summary>A context on a fresh, empty database of the provider under test.</summary>
    protected abstract Task<SquadStudyDbContext> NewEmptyDatabaseAsync();

    private static SchemaMigrator Migrator(SquadStudyDbContext db) => new(db, NullLogger<SchemaMigrator>.Instance);

    private static async Task<SquadStudyDbContext> MigratedAsync(SquadStudyDbContext db)
    {
        await Migrator(db).MigrateAsync();
        return db;
    }

    [Fact]
    public async Task Migrate_EmptyDatabase_ReachesLatestVersion()
    {
        await using var db = await NewEmptyDatabaseAsync();
        var migrator = Migrator(db);

        (await migrator.GetVersionAsync()).ShouldBe(0);
        var version = await migrator.MigrateAsync();

        version.ShouldBe(migrator.LatestVersion);
        version.ShouldBeGreaterThanOrEqualTo(2);
        (await migrator.GetVersionAsync()).ShouldBe(version);
    }

    [Fact]
    public async Task Migrate_RunTwice_AppliesNothingTheSecondTime()
    {
        await using var db = await MigratedAsync(await NewEmptyDatabaseAsync());
        db.Researchers.Add(NewResearcher("kept@example.org"));
        await db.SaveChangesAsync();

        var version = await Migrator(db).MigrateAsync();

        version.ShouldBe(Migrator(db).LatestVersion);
        (await db.Researchers.CountAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task Migrate_UpgradeFromVersion1WithData_KeepsEveryRow()
    {
        await using var db = await NewEmptyDatabaseAsync();
        (await Migrator(db).MigrateAsync(targetVersion: 1)).ShouldBe(1);

        // Version 1 has only accounts and studies. The account goes in with version 1's columns
        // (the current model's researchers have more, e.g. version 4's security stamp).
        var researcher = NewResearcher("first@example.org");
        var lockoutEnd = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO researchers (email, normalized_email, password_hash, failed_login_count, lockout_end_utc, created_utc)
            VALUES ({researcher.Email}, {researcher.NormalizedEmail}, {researcher.PasswordHash}, {3}, {lockoutEnd}, {researcher.CreatedUtc})
            """);
        var study = NewStudy("upgrade-me");
        study.DeclineCount = 7;
        study.ConsentMarkdown = "# Consent\n\nÅ, é, 漢字 — kept exactly.";
        db.Studies.Add(study);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        var version = await Migrator(db).MigrateAsync();

        version.ShouldBe(Migrator(db).LatestVersion);
        var keptResearcher = await db.Researchers.SingleAsync();
        keptResearcher.Email.ShouldBe("first@example.org");
        keptResearcher.FailedLoginCount.ShouldBe(3);
        keptResearcher.LockoutEndUtc.ShouldBe(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        var keptStudy = await db.Studies.SingleAsync();
        keptStudy.Slug.ShouldBe("upgrade-me");
        keptStudy.DeclineCount.ShouldBe(7);
        keptStudy.ConsentMarkdown.ShouldBe("# Consent\n\nÅ, é, 漢字 — kept exactly.");

        // The upgraded schema takes the newer tables' rows for the old study.
        var graph = await SeedParticipantWithAnswerAsync(db, keptStudy.Id);
        (await db.Answers.CountAsync(a => a.ParticipantId == graph.ParticipantId)).ShouldBe(1);
    }

    /// <summary>
    /// Version 3 stores class names; a study imported before it (names only in its pack folder's
    /// labels.txt) gets them copied by the upgrade, and one whose folder is gone keeps none.
    /// </summary>
    [Fact]
    public async Task Migrate_UpgradeFromVersion2_FillsClassNamesFromThePackFolder()
    {
        var pack = Directory.CreateTempSubdirectory("squadstudy-upgrade-pack-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(pack, "labels.txt"), "circle\n square \ntriangle\n\n");
            await using var db = await NewEmptyDatabaseAsync();
            (await Migrator(db).MigrateAsync(targetVersion: 2)).ShouldBe(2);
            var withPack = NewStudy("folder-import");
            withPack.PackDirectory = pack;
            var packGone = NewStudy("zip-import");
            packGone.PackDirectory = Path.Combine(pack, "deleted-temporary-folder");
            db.Studies.AddRange(withPack, packGone);
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();

            (await Migrator(db).MigrateAsync()).ShouldBe(Migrator(db).LatestVersion);

            (await db.ClassNamesAsync(withPack.Id)).ShouldBe(["circle", "square", "triangle"]);
            (await db.ClassNamesAsync(packGone.Id)).ShouldBeEmpty();
            (await db.Studies.CountAsync()).ShouldBe(2);
        }
        finally
        {
            Directory.Delete(pack, recursive: true);
        }
    }

    [Fact]
    public async Task Model_RoundTripsEveryEntity_ThroughTheHandWrittenSchema()
    {
        await using var db = await MigratedAsync(await NewEmptyDatabaseAsync());
        var study = NewStudy("roundtrip");
        db.Studies.Add(study);
        await db.SaveChangesAsync();

        var graph = await SeedParticipantWithAnswerAsync(db, study.Id);
        db.Predictions.Add(new Prediction { ImageId = graph.ImageId, ModelId = graph.ModelId, PredictedClass = 3, Probability = 0.875, Top5Json = "[]" });
        db.Explanations.Add(new Explanation
        {
            StudyId = study.Id, ImageId = graph.ImageId, ModelId = graph.ModelId, Method = "squadcam", ClassIndex = 3,
            PngPath = "store/ab/x.png", Sha256 = new string('a', 64), CreatedUtc = DateTime.UtcNow, MetricsJson = "{\"pointing_hit\":true}",
        });
        db.PrecomputeJobs.Add(new PrecomputeJob { StudyId = study.Id, Total = 10, Completed = 4, UpdatedUtc = DateTime.UtcNow });
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        var answer = await db.Answers.SingleAsync();
        answer.Choice.ShouldBe("target");
        answer.IsCorrect.ShouldBe(true);
        answer.Score.ShouldBe(-2);
        answer.ResponseMs.ShouldBe(1234);
        answer.AnsweredUtc.Kind.ShouldBe(DateTimeKind.Utc);
        (await db.Predictions.SingleAsync()).Probability.ShouldBe(0.875);
        (await db.Explanations.SingleAsync()).MetricsJson.ShouldBe("{\"pointing_hit\":true}");
        (await db.PrecomputeJobs.SingleAsync()).Completed.ShouldBe(4);
        (await db.PlanItems.SingleAsync()).Swapped.ShouldBeTrue();
        (await db.StudyImages.SingleAsync()).IsTestSplit.ShouldBeTrue();
        (await db.Stimuli.SingleAsync()).ModelBId.ShouldBeNull();
    }

    /// <summary>Version 10: a study's texts in other languages, its frozen registration and its later changes, deleted with it.</summary>
    [Fact]
    public async Task Model_RoundTripsTextsRegistrationAndChanges_AndDeletesThemWithTheStudy()
    {
        await using var db = await MigratedAsync(await NewEmptyDatabaseAsync());
        var study = NewStudy("registered");
        study.Texts.Add(new StudyText { Language = "de", ConsentMarkdown = "# Einwilligung — äöü", InstructionsMarkdown = null });
        study.Registration = new StudyRegistration { RegisteredUtc = new DateTime(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc), CanonicalJson = "{\"a\":1}", Sha256 = new string('b', 64) };
        study.Changes.Add(new StudyChange { ChangedUtc = new DateTime(2026, 5, 7, 0, 0, 0, DateTimeKind.Utc), ChangedBy = "lead@example.org", Description = "exclusions.fail_attention: false → true", Sha256 = new string('c', 64) });
        db.Studies.Add(study);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        var text = await db.StudyTexts.SingleAsync();
        text.ConsentMarkdown.ShouldBe("# Einwilligung — äöü");
        text.InstructionsMarkdown.ShouldBeNull();
        var registration = await db.StudyRegistrations.SingleAsync();
        registration.StudyId.ShouldBe(study.Id);
        registration.RegisteredUtc.ShouldBe(new DateTime(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        registration.RegisteredUtc.Kind.ShouldBe(DateTimeKind.Utc);
        (await db.StudyChanges.SingleAsync()).Description.ShouldBe("exclusions.fail_attention: false → true");

        db.Studies.Remove(await db.Studies.SingleAsync());
        await db.SaveChangesAsync();
        (await db.StudyTexts.CountAsync() + await db.StudyRegistrations.CountAsync() + await db.StudyChanges.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Answers_SecondAnswerForOnePlanItem_IsRejectedByTheDatabase()
    {
        await using var db = await MigratedAsync(await NewEmptyDatabaseAsync());
        var study = NewStudy("unique-answers");
        db.Studies.Add(study);
        await db.SaveChangesAsync();
        var graph = await SeedParticipantWithAnswerAsync(db, study.Id);
        db.ChangeTracker.Clear();

        db.Answers.Add(NewAnswer(graph.ParticipantId, graph.PlanItemId, position: 0));
        await Should.ThrowAsync<DbUpdateException>(() => db.SaveChangesAsync());
        db.ChangeTracker.Clear();

        (await db.Answers.CountAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task Participants_SameProlificIdTwiceInOneStudy_IsRejectedByTheDatabase()
    {
        await using var db = await MigratedAsync(await NewEmptyDatabaseAsync());
        var study = NewStudy("unique-prolific");
        db.Studies.Add(study);
        await db.SaveChangesAsync();
        db.Participants.Add(NewParticipant(study.Id, "prolific-a"));
        await db.SaveChangesAsync();

        var duplicate = NewParticipant(study.Id, "prolific-a");
        db.Participants.Add(duplicate);
        await Should.ThrowAsync<DbUpdateException>(() => db.SaveChangesAsync());
        db.ChangeTracker.Clear();

        // Participants without recruiter ids (NULL) never collide.
        db.Participants.Add(NewParticipant(study.Id, prolificPid: null));
        db.Participants.Add(NewParticipant(study.Id, prolificPid: null));
        await db.SaveChangesAsync();
        (await db.Participants.CountAsync()).ShouldBe(3);
    }

    [Fact]
    public async Task DeletingParticipant_RemovesTheirPlanAndAnswers_AndNobodyElses()
    {
        await using var db = await MigratedAsync(await NewEmptyDatabaseAsync());
        var study = NewStudy("withdrawal");
        db.Studies.Add(study);
        await db.SaveChangesAsync();
        var withdrawn = await SeedParticipantWithAnswerAsync(db, study.Id);
        var stays = await SeedParticipantWithAnswerAsync(db, study.Id);
        db.ChangeTracker.Clear();

        // A raw DELETE checks the database's own cascade, not EF's client-side one.
        await db.Participants.Where(p => p.Id == withdrawn.ParticipantId).ExecuteDeleteAsync();

        (await db.Answers.AnyAsync(a => a.ParticipantId == withdrawn.ParticipantId)).ShouldBeFalse();
        (await db.PlanItems.AnyAsync(i => i.ParticipantId == withdrawn.ParticipantId)).ShouldBeFalse();
        (await db.Answers.CountAsync(a => a.ParticipantId == stays.ParticipantId)).ShouldBe(1);
        (await db.PlanItems.CountAsync(i => i.ParticipantId == stays.ParticipantId)).ShouldBe(1);
    }

    [Fact]
    public async Task ResearcherAccounts_AddTwice_KeepsOneAccountWithAVerifiableHash()
    {
        await using var db = await MigratedAsync(await NewEmptyDatabaseAsync());
        var hasher = new PasswordHasher<Researcher>();
        var accounts = new ResearcherAccounts(db, hasher);

        (await accounts.AddAsync("Lead@Example.org", "a long enough password")).ShouldBeTrue();
        (await accounts.AddAsync(" lead@example.ORG ", "another long password")).ShouldBeFalse();
        await Should.ThrowAsync<ArgumentException>(() => accounts.AddAsync("short@example.org", "short"));

        var account = await db.Researchers.SingleAsync();
        account.PasswordHash.ShouldNotContain("a long enough password");
        hasher.VerifyHashedPassword(account, account.PasswordHash, "a long enough password").ShouldNotBe(PasswordVerificationResult.Failed);
        hasher.VerifyHashedPassword(account, account.PasswordHash, "another long password").ShouldBe(PasswordVerificationResult.Failed);
    }

    private sealed record Graph(long ParticipantId, long PlanItemId, long ImageId, long ModelId);

    private static async Task<Graph> SeedParticipantWithAnswerAsync(SquadStudyDbContext db, long studyId)
    {
        var model = new StudyModel
        {
            StudyId = studyId, Key = $"m{Guid.NewGuid():N}"[..12], DisplayName = "VGG-like", OnnxPath = "store/aa/m.onnx",
            OnnxSha256 = new string('b', 64), MetadataJson = "{}", RecordedAccuracy = 0.9,
        };
        var image = new StudyImage
        {
            StudyId = studyId, Stem = $"img{Guid.NewGuid():N}"[..12], FilePath = "store/cc/i.png", Sha256 = new string('c', 64),
            Width = 128, Height = 96, LabelClass = 3, BoxesJson = "[]", IsTestSplit = true,
        };
        db.AddRange(model, image);
        await db.SaveChangesAsync();
        var stimulus = new Stimulus
        {
            StudyId = studyId, Experiment = ExperimentKind.Discrimination, ImageId = image.Id, TargetClass = 3, DistractorClass = 5,
            ModelAId = model.Id, MethodA = "gradcam", AssignedCount = 1,
        };
        db.Stimuli.Add(stimulus);
        await db.SaveChangesAsync();
        var participant = NewParticipant(studyId, prolificPid: null);
        participant.PlanLength = 1;
        participant.Plan.Add(new PlanItem { Position = 0, Kind = PlanItemKind.Question, StimulusId = stimulus.Id, Swapped = true });
        db.Participants.Add(participant);
        await db.SaveChangesAsync();
        var item = participant.Plan[0];
        db.Answers.Add(NewAnswer(participant.Id, item.Id, position: 0));
        await db.SaveChangesAsync();
        return new Graph(participant.Id, item.Id, image.Id, model.Id);
    }

    private static Answer NewAnswer(long participantId, long planItemId, int position) => new()
    {
        ParticipantId = participantId, PlanItemId = planItemId, Position = position, Choice = "target", IsCorrect = true,
        Score = -2, ResponseMs = 1234, ShownUtc = DateTime.UtcNow.AddSeconds(-2), AnsweredUtc = DateTime.UtcNow,
    };

    private static Participant NewParticipant(long studyId, string? prolificPid) => new()
    {
        StudyId = studyId, Token = Guid.NewGuid().ToString("N"), WithdrawalCode = Guid.NewGuid().ToString("N"),
        Source = prolificPid is null ? "direct" : "prolific", ProlificPid = prolificPid,
        ConsentedUtc = DateTime.UtcNow, LastSeenUtc = DateTime.UtcNow,
    };

    private static Researcher NewResearcher(string email) => new()
    {
        Email = email, NormalizedEmail = ResearcherAccounts.Normalize(email), PasswordHash = "hash", CreatedUtc = DateTime.UtcNow,
    };

    private static Study NewStudy(string slug) => new()
    {
        Slug = slug, Title = "A study", DefinitionJson = "{}", ConsentMarkdown = "consent", CompletionCode = "CODE1",
        PackDirectory = "packs/x", CreatedUtc = DateTime.UtcNow,
    };
}
