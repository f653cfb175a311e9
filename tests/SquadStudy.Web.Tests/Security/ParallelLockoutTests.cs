using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Research;
using SquadStudy.Web.Tests.Research;

namespace SquadStudy.Web.Tests.Security;

/// <summary>Counts verifications against real accounts (id &gt; 0; the unknown-e-mail dummy has id 0).</summary>
public sealed class CountingHasher : IPasswordHasher<Researcher>
{
    private readonly PasswordHasher<Researcher> inner = new();
    private int verified;

    public int Verified => Volatile.Read(ref verified);

    public string HashPassword(Researcher user, string password) => inner.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(Researcher user, string hashedPassword, string providedPassword)
    {
        if (user.Id > 0)
        {
            Interlocked.Increment(ref verified);
        }
        return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }
}

public sealed class ParallelLockoutTests : IDisposable
{
    private readonly CountingHasher hasher = new();
    private readonly ResearchSiteFactory site;

    public ParallelLockoutTests() => site = new ResearchSiteFactory { TestServices = s => s.AddSingleton<IPasswordHasher<Researcher>>(hasher) };

    public void Dispose() => site.Dispose();

    [Fact]
    public async Task ParallelWrongPasswords_TryNoMoreThanTheLimit_ThenTheAccountIsLocked()
    {
        _ = site.CreateClient();
        var before = hasher.Verified;

        var attempts = Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
        {
            await using var scope = site.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<ResearcherSignIn>().SignInAsync(ResearchSiteFactory.Email, $"guess number {i}");
        }));
        var results = await Task.WhenAll(attempts);

        results.ShouldAllBe(r => !r.Succeeded);
        (hasher.Verified - before).ShouldBeLessThanOrEqualTo(5);
        var account = await site.WithDbAsync(db => db.Researchers.AsNoTracking().SingleAsync());
        account.LockoutEndUtc.ShouldNotBeNull();
        await using var last = site.Services.CreateAsyncScope();
        (await last.ServiceProvider.GetRequiredService<ResearcherSignIn>().SignInAsync(ResearchSiteFactory.Email, ResearchSiteFactory.Password)).Succeeded.ShouldBeFalse();
    }

    [Fact]
    public async Task OverlongPassword_IsRefusedWithoutHashing()
    {
        _ = site.CreateClient();
        var before = hasher.Verified;
        await using var scope = site.Services.CreateAsyncScope();

        var result = await scope.ServiceProvider.GetRequiredService<ResearcherSignIn>().SignInAsync(ResearchSiteFactory.Email, new string('x', 1_000_000));

        result.Succeeded.ShouldBeFalse();
        hasher.Verified.ShouldBe(before);
    }
}
