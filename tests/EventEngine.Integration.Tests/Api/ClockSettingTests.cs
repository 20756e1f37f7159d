using System.Net;
using EventEngine.Integration.Tests.Engine;
using EventEngine.Integration.Tests.Infrastructure;

namespace EventEngine.Integration.Tests.Api;

/// <summary>Engine:Clock and Engine:ManualClockStart: the allowed values start the server, anything else stops start-up naming the key.</summary>
public sealed class ClockSettingTests
{
    [Theory]
    [InlineData("Engine:Clock", "Manuel", "the allowed values are System and Manual")]
    [InlineData("Engine:Clock", "true", "the allowed values are System and Manual")]
    [InlineData("Engine:ManualClockStart", "new year", "it must be a time")]
    public async Task BadValue_StopsStartUp_NamingTheKey(string key, string value, string expected)
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var factory = new ApiFactory(new Dictionary<string, string>
        {
            ["ConnectionStrings:Events"] = db.ConnectionString,
            ["Engine:Clock"] = "Manual",
            [key] = value,
        });
        var e = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains(key, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("manual", HttpStatusCode.OK)]
    [InlineData("MANUAL", HttpStatusCode.OK)]
    [InlineData("system", HttpStatusCode.Conflict)]
    public async Task AllowedValues_AreCaseInsensitive(string clock, HttpStatusCode advancing)
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var api = EngineApi.Start(db, settings: new Dictionary<string, string> { ["Engine:Clock"] = clock, ["Engine:ManualClockStart"] = "2027-03-01T00:00:00Z" });
        var (status, body, _) = await api.Client.PostAsync("/engine/v1/clock", """{"advanceSeconds": 1}""");
        Assert.Equal(advancing, status);
        if (status == HttpStatusCode.OK) Assert.Equal("2027-03-01T00:00:01Z", (string?)body!["now"]);
    }
}
