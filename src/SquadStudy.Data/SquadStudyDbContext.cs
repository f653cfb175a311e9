using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using SquadStudy.Data.Entities;

namespace SquadStudy.Data;

/// <summary>
/// The platform's database. The schema is created by the hand-written SQL scripts in the
/// repository's <c>migrations/</c> folder (see <see cref="Migrations.SchemaMigrator"/>), not by EF
/// migrations; this model only has to agree with them, which the data tests check on both providers.
/// </summary>
public sealed class SquadStudyDbContext(DbContextOptions<SquadStudyDbContext> options) : DbContext(options)
{
    public DbSet<Researcher> Researchers => Set<Researcher>();
    public DbSet<Study> Studies => Set<Study>();
    public DbSet<StudyModel> StudyModels => Set<StudyModel>();
    public DbSet<StudyImage> StudyImages => Set<StudyImage>();
    public DbSet<StudyClass> StudyClasses => Set<StudyClass>();
    public DbSet<StudyText> StudyTexts => Set<StudyText>();
    public DbSet<StudyRegistration> StudyRegistrations => Set<StudyRegistration>();
    public DbSet<StudyChange> StudyChanges => Set<StudyChange>();
    public DbSet<Prediction> Predictions => Set<Prediction>();
    public DbSet<Explanation> Explanations => Set<Explanation>();
    public DbSet<Stimulus> Stimuli => Set<Stimulus>();
    public DbSet<PrecomputeJob> PrecomputeJobs => Set<PrecomputeJob>();
    public DbSet<PrecomputeItem> PrecomputeItems => Set<PrecomputeItem>();
    public DbSet<Participant> Participants => Set<Participant>();
    public DbSet<PlanItem> PlanItems => Set<PlanItem>();
    public DbSet<Answer> Answers => Set<Answer>();
    public DbSet<ResumeAttempt> ResumeAttempts => Set<ResumeAttempt>();
    public DbSet<GateAttempt> GateAttempts => Set<GateAttempt>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // All times are UTC. SQLite keeps them as text and hands them back "unspecified"; PostgreSQL's
        // timestamptz insists on UTC. One converter makes both agree.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Researcher>(e =>
        {
            e.ToTable("researchers");
            e.HasIndex(r => r.NormalizedEmail).IsUnique();
        });
        modelBuilder.Entity<Study>(e =>
        {
            e.ToTable("studies");
            e.HasIndex(s => s.Slug).IsUnique();
            e.HasMany(s => s.Models).WithOne(m => m.Study).HasForeignKey(m => m.StudyId);
            e.HasMany(s => s.Images).WithOne(i => i.Study).HasForeignKey(i => i.StudyId);
            e.HasMany(s => s.Classes).WithOne().HasForeignKey(c => c.StudyId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(s => s.Texts).WithOne().HasForeignKey(t => t.StudyId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(s => s.Changes).WithOne().HasForeignKey(c => c.StudyId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(s => s.Registration).WithOne().HasForeignKey<StudyRegistration>(r => r.StudyId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<StudyRegistration>(e =>
        {
            e.ToTable("study_registrations");
            e.HasKey(r => r.StudyId);
            e.Property(r => r.StudyId).ValueGeneratedNever();
        });
        modelBuilder.Entity<StudyText>(e =>
        {
            e.ToTable("study_texts");
            e.HasKey(t => new { t.StudyId, t.Language });
        });
        modelBuilder.Entity<StudyChange>(e =>
        {
            e.ToTable("study_changes");
            e.HasIndex(c => new { c.StudyId, c.ChangedUtc });
        });
        modelBuilder.Entity<StudyClass>(e =>
        {
            e.ToTable("study_classes");
            e.HasKey(c => new { c.StudyId, c.ClassIndex });
            e.Property(c => c.ClassIndex).ValueGeneratedNever();
        });
        modelBuilder.Entity<StudyModel>(e =>
        {
            e.ToTable("study_models");
            e.HasIndex(m => new { m.StudyId, m.Key }).IsUnique();
        });
        modelBuilder.Entity<StudyImage>(e =>
        {
            e.ToTable("study_images");
            e.HasIndex(i => new { i.StudyId, i.Stem }).IsUnique();
        });
        modelBuilder.Entity<Prediction>(e =>
        {
            e.ToTable("predictions");
            e.HasIndex(p => new { p.ImageId, p.ModelId }).IsUnique();
        });
        modelBuilder.Entity<Explanation>(e =>
        {
            e.ToTable("explanations");
            e.HasIndex(x => new { x.ImageId, x.ModelId, x.Method, x.ClassIndex }).IsUnique();
        });
        modelBuilder.Entity<Stimulus>(e =>
        {
            e.ToTable("stimuli");
            e.HasIndex(s => new { s.StudyId, s.Experiment, s.AssignedCount });
        });
        modelBuilder.Entity<PrecomputeJob>(e =>
        {
            e.ToTable("precompute_jobs");
            e.HasIndex(j => j.StudyId).IsUnique();
        });
        modelBuilder.Entity<PrecomputeItem>(e =>
        {
            e.ToTable("precompute_items");
            e.HasIndex(i => new { i.JobId, i.Phase, i.ImageId, i.ModelId }).IsUnique();
            e.HasOne<PrecomputeJob>().WithMany().HasForeignKey(i => i.JobId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Participant>(e =>
        {
            e.ToTable("participants");
            e.HasIndex(p => p.Token).IsUnique();
            e.HasIndex(p => p.WithdrawalCode).IsUnique();
            e.HasIndex(p => new { p.StudyId, p.ProlificPid }).IsUnique();
            e.HasIndex(p => new { p.StudyId, p.MturkWorkerId }).IsUnique();
            e.HasIndex(p => new { p.StudyId, p.DeviceHash });
            e.HasMany(p => p.Plan).WithOne().HasForeignKey(i => i.ParticipantId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(p => p.Answers).WithOne().HasForeignKey(a => a.ParticipantId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ResumeAttempt>(e =>
        {
            e.ToTable("resume_attempts");
            e.HasOne<Participant>().WithMany().HasForeignKey(a => a.ParticipantId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<GateAttempt>(e =>
        {
            e.ToTable("gate_attempts");
            e.HasIndex(a => new { a.ParticipantId, a.Attempt, a.Question }).IsUnique();
            e.HasOne<Participant>().WithMany().HasForeignKey(a => a.ParticipantId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<PlanItem>(e =>
        {
            e.ToTable("plan_items");
            e.HasIndex(i => new { i.ParticipantId, i.Position }).IsUnique();
            e.HasOne(i => i.Stimulus).WithMany().HasForeignKey(i => i.StimulusId);
        });
        modelBuilder.Entity<Answer>(e =>
        {
            e.ToTable("answers");
            e.HasIndex(a => a.PlanItemId).IsUnique();
            e.HasIndex(a => new { a.ParticipantId, a.Position }).IsUnique();
        });

        ApplySnakeCaseColumns(modelBuilder);
    }

    /// <summary>The SQL scripts use snake_case column names, portable across SQLite and PostgreSQL.</summary>
    private static void ApplySnakeCaseColumns(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }
        }
    }

    internal static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])
                    || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                {
                    builder.Append('_');
                }
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}

/// <summary>Stores <see cref="DateTime"/> as UTC and reads it back marked UTC.</summary>
internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
