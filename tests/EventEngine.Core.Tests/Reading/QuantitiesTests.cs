using EventEngine.Model;

namespace EventEngine.Core.Tests.Reading;

/// <summary>
/// Quantities in canonical form, as resource.Quantity writes one it parsed. The expected texts are Go's: the first
/// group is apimachinery's TestQuantityParseEmit, the rest from Quantity's documented rules.
/// </summary>
public sealed class QuantitiesTests
{
    [Theory]
    // apimachinery's TestQuantityParseEmit (each also with a minus sign, below)
    [InlineData("1Ki", "1Ki")]
    [InlineData("1Mi", "1Mi")]
    [InlineData("1Gi", "1Gi")]
    [InlineData("1024Mi", "1Gi")]
    [InlineData("1000M", "1G")]
    [InlineData(".001Ki", "1024m")]
    [InlineData(".000001Ki", "1024u")]
    [InlineData(".000000001Ki", "1024n")]
    [InlineData(".000000000001Ki", "2n")]
    // the documented examples: no fraction, the largest suffix, the kind of suffix kept
    [InlineData("1.5", "1500m")]
    [InlineData("1.5Gi", "1536Mi")]
    [InlineData("1000m", "1")]
    [InlineData("0.5", "500m")]
    [InlineData("0.1", "100m")]
    [InlineData("100m", "100m")]
    [InlineData("1500", "1500")]
    [InlineData("12000", "12k")]
    [InlineData("2000000", "2M")]
    [InlineData("1000u", "1m")]
    [InlineData("0.9n", "1n")]
    [InlineData("1.2345", "1234500u")]
    [InlineData("0.5Gi", "512Mi")]
    [InlineData("512", "512")]
    [InlineData("1.1Ki", "1126400m")]
    [InlineData("8Ei", "9223372036854775807")]
    [InlineData("18446744073709551616", "18446744073709551616")]
    [InlineData("1e3", "1e3")]
    [InlineData("1000e0", "1e3")]
    [InlineData("12e6", "12e6")]
    [InlineData("80e-3", "80e-3")]
    [InlineData("1E", "1E")]
    [InlineData("1000E", "1e21")]
    [InlineData("1e-5000", "1e-9")]
    [InlineData("8.0Ei", "9223372036854775807")]
    [InlineData("99999999999999999999999Ki", "9223372036854775807")]
    [InlineData("0", "0")]
    [InlineData("0.0", "0")]
    [InlineData("0Gi", "0")]
    public void AQuantity_IsWrittenInCanonicalForm(string given, string canonical)
    {
        Assert.Equal(canonical, Quantities.Canonical(given));
        if (canonical != "0") Assert.Equal("-" + canonical, Quantities.Canonical("-" + given));
    }

    [Theory]
    // already canonical as ParseQuantity reads it (whole, in its suffix, not ending in 000; binary not a multiple of 8):
    // Go writes the text it was given
    [InlineData("+4")]
    [InlineData("007")]
    [InlineData("1.")]
    [InlineData("1.500")]
    [InlineData("1e0")]
    [InlineData("1E3")]
    [InlineData("+1Ki")]
    [InlineData("1500")]
    [InlineData("-250m")]
    public void AQuantityAlreadyCanonical_IsWrittenAsGiven(string given) => Assert.Equal(given, Quantities.Canonical(given));

    [Theory]
    [InlineData(" 1", "1")]
    [InlineData(".", "0")]
    [InlineData("-", "0")]
    [InlineData("Ki", "0")]
    [InlineData("1e-2147483648", "1e-9")]
    [InlineData("10e2147483647", "100e2147483646")]
    public void WhatGoReadsAsAQuantity_IsOne(string given, string canonical) => Assert.Equal(canonical, Quantities.Canonical(given));

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("1K")]
    [InlineData("1e")]
    [InlineData("1Gb")]
    [InlineData("1e99999999999")]
    public void WhatIsNotAQuantity_IsLeftAsGiven(string given) => Assert.Null(Quantities.Canonical(given));

    [Fact]
    public void ATextLongerThanAnyQuantity_IsLeftAsGiven_AndCostsNothing() =>
        Assert.Null(Quantities.Canonical("1" + new string('0', 1_000_000)));
}
