using Microsoft.Extensions.Options;
using SquadStudy.Data;

namespace SquadStudy.Web.Infrastructure;

/// <summary>The first researcher account, from <c>Admin__Email</c> and <c>Admin__Password</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";
    public string? Email { get; set; }
    public string? Password { get; set; }
}

/// <summary>Creates the configured researcher account at start-up when it does not exist yet.</summary>
public sealed class AdminAccountSeeder(IServiceScopeFactory scopes, IOptions<AdminOptions> options, ILogger<AdminAccountSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var admin = options.Value;
        if (string.IsNullOrWhiteSpace(admin.Email) || string.IsNullOrEmpty(admin.Password))
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<ResearcherAccounts>();
        if (await accounts.AddAsync(admin.Email, admin.Password, cancellationToken))
        {
            logger.LogInformation("Created researcher account {Email} from configuration.", admin.Email);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
