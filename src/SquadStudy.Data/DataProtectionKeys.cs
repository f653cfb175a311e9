using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace SquadStudy.Data;

/// <summary>
/// The data-protection key ring's table (<c>data_protection_keys</c>, migration 0005), read and
/// written by the framework's own <see cref="IDataProtectionKeyContext"/> repository. A context of
/// its own, so the key ring needs nothing of the study model.
/// </summary>
public sealed class DataProtectionKeysDbContext(DbContextOptions<DataProtectionKeysDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<DataProtectionKey>(e =>
        {
            e.ToTable("data_protection_keys");
            e.Property(k => k.Id).HasColumnName("id");
            e.Property(k => k.FriendlyName).HasColumnName("friendly_name");
            e.Property(k => k.Xml).HasColumnName("xml");
        });
    }
}

public static class DataProtectionKeyStorage
{
    /// <summary>
    /// Where the key ring lives: with PostgreSQL in the database, shared by every instance (the
    /// antiforgery tokens and cookies one instance issues are accepted by all); with SQLite, one
    /// machine, in <c>keys/</c> of the data directory as before.
    /// </summary>
    public static IDataProtectionBuilder PersistKeysFor(this IDataProtectionBuilder builder, DatabaseSettings settings)
    {
        if (settings.Provider != DatabaseProvider.Postgres)
        {
            return builder.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(settings.DataDirectory, "keys")));
        }
        builder.Services.AddDbContext<DataProtectionKeysDbContext>(options => DataServiceCollectionExtensions.Configure(options, settings));
        return builder.PersistKeysToDbContext<DataProtectionKeysDbContext>();
    }
}
