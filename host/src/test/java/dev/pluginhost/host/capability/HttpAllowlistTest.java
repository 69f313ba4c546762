package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The http capability's address classification, grant syntax and checks, without a network. */
class HttpAllowlistTest {

    @ParameterizedTest
    @CsvSource({
            "8.8.8.8, global", "1.1.1.1, global", "93.184.215.14, global", "172.32.0.1, global",
            "100.128.0.1, global", "192.169.0.1, global", "169.255.0.1, global", "11.0.0.1, global",
            "127.0.0.1, loopback", "127.255.255.254, loopback",
            "169.254.169.254, link-local", "169.254.0.1, link-local",
            "10.0.0.1, private", "10.255.255.255, private", "172.16.0.1, private", "172.31.255.255, private",
            "192.168.1.1, private",
            "100.64.0.1, shared", "100.127.255.255, shared",
            "224.0.0.1, multicast", "239.255.255.250, multicast",
            "0.0.0.0, unspecified", "0.1.2.3, reserved",
            "240.0.0.1, reserved", "255.255.255.255, reserved", "192.0.2.1, reserved", "198.51.100.1, reserved",
            "203.0.113.1, reserved", "198.18.0.1, reserved", "198.19.255.255, reserved", "192.0.0.8, reserved",
    })
    void classifiesIpv4(String address, String label) throws Exception {
        assertThat(AddressClass.of(InetAddress.getByName(address)).label).isEqualTo(label);
    }

    @ParameterizedTest
    @CsvSource({
            "2606:4700:4700::1111, global", "2a00:1450:4001::200e, global", "2001:4860:4860::8888, global",
            "::1, loopback", "::, unspecified",
            "fe80::1, link-local", "fc00::1, unique-local", "fd12:3456::1, unique-local", "fec0::1, private",
            "ff02::1, multicast", "2001:db8::1, reserved", "64:ff9b::7f00:1, reserved", "2002:7f00:1::1, reserved",
            "2001::1, reserved", "3fff::1, reserved", "100::1, reserved",
            "::7f00:1, loopback", "::a00:1, private", "::808:808, reserved",
    })
    void classifiesIpv6(String address, String label) throws Exception {
        assertThat(AddressClass.of(InetAddress.getByName("[" + address + "]")).label).isEqualTo(label);
    }

    @Test
    void classifiesIpv4MappedIpv6ByItsIpv4Part() throws Exception {
        // Built from bytes, as the JDK would otherwise turn a mapped literal into an Inet4Address itself.
        for (String[] c : new String[][] {{"127.0.0.1", "loopback"}, {"169.254.169.254", "link-local"},
                {"10.1.2.3", "private"}, {"100.64.0.1", "shared"}, {"8.8.8.8", "global"}}) {
            byte[] v4 = InetAddress.getByName(c[0]).getAddress();
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(v4, 0, mapped, 12, 4);
            InetAddress address = Inet6Address.getByAddress(null, mapped, -1);
            assertThat(address).isInstanceOf(Inet6Address.class);
            assertThat(AddressClass.of(address).label).as(c[0]).isEqualTo(c[1]);
            assertThat(AddressClass.of(InetAddress.getByName("::ffff:" + c[0])).label).isEqualTo(c[1]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"api.example.com", "*.example.com", "*", "api.example.com:8443", "10.1.2.3",
            "10.0.0.0/8", "127.0.0.1:8080", "0.0.0.0/0", "[::1]", "[fd00::/8]", "[fd00::1]:8080", "[::/0]",
            "[::ffff:10.0.0.1]"})
    void acceptsHttpGrants(String scope) {
        assertThat(Grant.parse("http:" + scope)).isEqualTo(new Grant("http", scope));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "api.example.com:0 | the port must be a number from 1 to 65535",
            "api.example.com:65536 | the port must be a number from 1 to 65535",
            "api.example.com:x | the port must be a number from 1 to 65535",
            "api.example.com: | the port must be a number from 1 to 65535",
            "10.0.0.1/8 | bits are set beyond the /8 prefix",
            "10.0.0.0/33 | the prefix length must be at most 32",
            "256.1.1.1 | '256.1.1.1' is not an IP address",
            "010.1.1.1 | '010.1.1.1' is not an IP address",
            "[fd00::1/8] | bits are set beyond the /8 prefix",
            "[fd00::zz] | write a host name pattern",
            "::1 | the port must be a number",
            "api/v1 | write a host name pattern",
    })
    void refusesMalformedHttpGrantsSayingWhy(String scope, String why) {
        assertThatThrownBy(() -> Grant.parse("http:" + scope))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'http:" + scope + "' is not an http grant")
                .hasMessageContaining(why.trim());
    }

    @Test
    void otherCapabilitiesKeepTheirScopeSyntax() {
        assertThatThrownBy(() -> Grant.parse("events.publish:orders:1"))
                .hasMessageContaining("is not a capability");
        assertThat(Grant.parse("events.publish:orders.*").scope()).isEqualTo("orders.*");
    }

    @Test
    void aNameGrantAdmitsPorts80And443OnlyUnlessItNamesOne() {
        HttpAllowlist names = new HttpAllowlist(List.of("api.example.com", "*.vendor.example", "pay.example:8443"));
        assertThat(names.admitsHost("api.example.com")).isTrue();
        assertThat(names.admitsHost("eu.vendor.example")).isTrue();
        assertThat(names.admitsHost("evil.example")).isFalse();
        assertThat(names.checkPort("api.example.com", 80)).isNull();
        assertThat(names.checkPort("api.example.com", 443)).isNull();
        HttpAllowlist.Refusal port = names.checkPort("api.example.com", 8080);
        assertThat(port.reason()).isEqualTo("port");
        assertThat(port.message()).isEqualTo("port 8080 of api.example.com is not granted (a grant without a port "
                + "admits 80 and 443); grant http:api.example.com:8080 to allow it");
        assertThat(names.checkPort("pay.example", 8443)).isNull();
        assertThat(names.checkPort("pay.example", 443)).as("a grant naming a port admits that port only")
                .isNotNull();
        assertThat(names.checkPort("pay.example", 8444)).isNotNull();
    }

    @Test
    void aNameGrantAdmitsOnlyGlobalAddressesBehindTheName() throws Exception {
        HttpAllowlist names = new HttpAllowlist(List.of("api.vendor.example", "*"));
        assertThat(names.checkAddress("api.vendor.example", InetAddress.getByName("93.184.215.14"), 443)).isNull();
        assertThat(names.checkAddress("api.vendor.example", InetAddress.getByName("2606:4700::1"), 443)).isNull();
        HttpAllowlist.Refusal loopback = names.checkAddress("api.vendor.example",
                InetAddress.getByName("127.0.0.1"), 80);
        assertThat(loopback.reason()).isEqualTo("loopback");
        assertThat(loopback.message()).isEqualTo("api.vendor.example resolves to 127.0.0.1, a loopback address; "
                + "grant http:127.0.0.1 to allow it");
        HttpAllowlist.Refusal metadata = names.checkAddress("api.vendor.example",
                InetAddress.getByName("169.254.169.254"), 80);
        assertThat(metadata.reason()).isEqualTo("link-local");
        assertThat(metadata.message()).contains("169.254.169.254, a link-local address");
        HttpAllowlist.Refusal literal = names.checkAddress("10.1.2.3", InetAddress.getByName("10.1.2.3"), 8080);
        assertThat(literal.message()).isEqualTo("10.1.2.3 is a private address; grant http:10.1.2.3:8080 to allow it");
        HttpAllowlist.Refusal v6 = names.checkAddress("fd00::1", InetAddress.getByName("fd00::1"), 443);
        assertThat(v6.reason()).isEqualTo("unique-local");
        assertThat(v6.message()).isEqualTo("fd00:0:0:0:0:0:0:1 is a unique-local address; "
                + "grant http:[fd00:0:0:0:0:0:0:1] to allow it");
        for (String other : List.of("100.64.1.1", "0.0.0.0", "224.0.0.251", "::1", "fe80::1", "ff02::1")) {
            assertThat(names.checkAddress("api.vendor.example", InetAddress.getByName(other), 443))
                    .as(other).isNotNull();
        }
    }

    @Test
    void anAddressOrRangeGrantAdmitsItsAddressesOnItsPorts() throws Exception {
        HttpAllowlist grants = new HttpAllowlist(List.of("internal.corp", "10.0.0.0/8", "127.0.0.1:8080",
                "[fd00::/8]:9000", "192.168.1.7"));
        assertThat(grants.checkAddress("internal.corp", InetAddress.getByName("10.20.30.40"), 443)).isNull();
        assertThat(grants.checkAddress("internal.corp", InetAddress.getByName("10.20.30.40"), 8080))
                .as("the range is granted on 80 and 443 only").isNotNull();
        assertThat(grants.checkAddress("internal.corp", InetAddress.getByName("11.0.0.1"), 443)).isNull();
        assertThat(grants.checkAddress("internal.corp", InetAddress.getByName("172.16.0.1"), 443).reason())
                .isEqualTo("private");
        assertThat(grants.checkAddress("127.0.0.1", InetAddress.getByName("127.0.0.1"), 8080)).isNull();
        assertThat(grants.checkAddress("127.0.0.1", InetAddress.getByName("127.0.0.1"), 80)).isNotNull();
        assertThat(grants.checkAddress("127.0.0.2", InetAddress.getByName("127.0.0.2"), 8080)).isNotNull();
        assertThat(grants.checkAddress("fd00::5", InetAddress.getByName("fd00::5"), 9000)).isNull();
        assertThat(grants.checkAddress("fd00::5", InetAddress.getByName("fd00::5"), 443)).isNotNull();
        assertThat(grants.checkAddress("fe00::5", InetAddress.getByName("fe00::5"), 9000)).isNotNull();
        assertThat(grants.checkAddress("x", InetAddress.getByName("::ffff:10.9.9.9"), 443))
                .as("a mapped form of a granted IPv4 address").isNull();

        assertThat(grants.admitsHost("10.1.2.3")).as("a URL naming an address of a granted range").isTrue();
        assertThat(grants.admitsHost("11.1.2.3")).isFalse();
        assertThat(grants.admitsHost("fd00::1")).isTrue();
        assertThat(grants.admitsHost("::ffff:10.1.2.3")).isTrue();
        assertThat(grants.admitsHost("192.168.1.7")).isTrue();
        assertThat(grants.admitsHost("192.168.1.8")).isFalse();
        assertThat(grants.checkPort("127.0.0.1", 8080)).isNull();
        assertThat(grants.checkPort("127.0.0.1", 80).message()).contains("grant http:127.0.0.1:80");
        assertThat(grants.checkPort("fd00::1", 9000)).isNull();
        assertThat(grants.checkPort("fd00::1", 443).message()).contains("grant http:[fd00::1]:443");
    }
}
