package dev.meshbox.bookinfo.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fault decisions without a server: seeded, one draw per request, failFirst before the rate. */
class EchoFaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EchoBehaviour QUARTER = new EchoBehaviour(Duration.ZERO, 0.25, 503, 42L);

    @Test
    void sameSeedGivesTheSameErrorsNearTheRate() {
        List<Integer> first = statuses(new EchoFaults(QUARTER), 10_000);
        List<Integer> second = statuses(new EchoFaults(QUARTER), 10_000);

        assertThat(second).isEqualTo(first);
        assertThat(first.stream().filter(s -> s == 503).count() / 10_000.0).isBetween(0.23, 0.27);
        assertThat(statuses(new EchoFaults(QUARTER.withSeed(7L)), 10_000)).isNotEqualTo(first);
    }

    @Test
    void rateZeroNeverFailsAndRateOneAlwaysFails() {
        assertThat(statuses(new EchoFaults(QUARTER.withErrorRate(0)), 1000)).containsOnly(200);
        assertThat(statuses(new EchoFaults(QUARTER.withErrorRate(1).withErrorStatus(502)), 1000))
                .containsOnly(502);
    }

    @Test
    void failFirstComesBeforeTheRateAndTakesItsDraws() {
        List<Integer> plain = statuses(new EchoFaults(QUARTER), 20);
        List<Integer> withFailFirst = statuses(new EchoFaults(QUARTER.withFailFirst(3)), 20);

        assertThat(withFailFirst.subList(0, 3)).containsOnly(503);
        assertThat(withFailFirst.subList(3, 20)).isEqualTo(plain.subList(3, 20));
    }

    @Test
    void changingLatencyKeepsThePlaceInTheSequence() throws Exception {
        EchoFaults changed = new EchoFaults(QUARTER);
        List<Integer> statuses = statuses(changed, 10);
        EchoFaults.State state = changed.change(change("{\"latencyMs\": 150}"));
        EchoFaults.Outcome slow = changed.next();
        statuses.add(slow.status());
        statuses.addAll(statuses(changed, 9));

        assertThat(statuses).isEqualTo(statuses(new EchoFaults(QUARTER), 20));
        assertThat(slow.latency()).isEqualTo(Duration.ofMillis(150));
        assertThat(state.latencyMs()).isEqualTo(150);
        assertThat(state.errorRate()).isEqualTo(0.25);
    }

    @Test
    void namingTheSeedRestartsTheSequenceAndNamingFailFirstRestartsTheCount() throws Exception {
        EchoFaults faults = new EchoFaults(QUARTER.withFailFirst(1));
        statuses(faults, 50);

        EchoFaults.State state = faults.change(change("{\"seed\": 42, \"failFirst\": 2}"));

        assertThat(state.failuresLeft()).isEqualTo(2);
        assertThat(statuses(faults, 30)).isEqualTo(statuses(new EchoFaults(QUARTER.withFailFirst(2)), 30));
        assertThat(faults.state().failuresLeft()).isZero();
    }

    @Test
    void outcomeIsInjectedUnlessItIs200() {
        assertThat(new EchoFaults.Outcome(Duration.ZERO, 200).injected()).isFalse();
        assertThat(new EchoFaults.Outcome(Duration.ZERO, 503).injected()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "-1    | 0.1  | 503 | 0  | latencyMs   | must be 0..60000, got -1",
                "60001 | 0.1  | 503 | 0  | latencyMs   | must be 0..60000, got 60001",
                "0     | -0.1 | 503 | 0  | errorRate   | must be 0..1, got -0.1",
                "0     | NaN  | 503 | 0  | errorRate   | must be 0..1, got NaN",
                "0     | 0.1  | 399 | 0  | errorStatus | must be 400..599, got 399",
                "0     | 0.1  | 600 | 0  | errorStatus | must be 400..599, got 600",
                "0     | 0.1  | 503 | -2 | failFirst   | must be >= 0, got -2"
            })
    void invalidBehaviourNamesItsField(
            long latencyMs, double rate, int status, int failFirst, String field, String expectation) {
        assertThatThrownBy(() -> new EchoBehaviour(Duration.ofMillis(latencyMs), rate, status, failFirst, 1L))
                .isInstanceOfSatisfying(EchoBehaviour.InvalidBehaviour.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.expectation()).isEqualTo(expectation);
                    assertThat(e).hasMessage(field + ": " + expectation);
                });
    }

    @Test
    void defaultsAreCalmWith503AndARandomSeed() {
        EchoBehaviour defaults = EchoBehaviour.defaults();

        assertThat(defaults.latency()).isZero();
        assertThat(defaults.errorRate()).isZero();
        assertThat(defaults.errorStatus()).isEqualTo(503);
        assertThat(defaults.failFirst()).isZero();
        assertThat(List.of(
                        EchoBehaviour.defaults().seed(),
                        EchoBehaviour.defaults().seed(),
                        EchoBehaviour.defaults().seed()))
                .doesNotHaveDuplicates();
    }

    @Test
    void aChangeKeepsTheFieldsItDoesNotName() throws Exception {
        EchoBehaviour changed = change("{\"errorStatus\": 500}").applyTo(QUARTER.withFailFirst(4));

        assertThat(changed).isEqualTo(QUARTER.withFailFirst(4).withErrorStatus(500));
    }

    private static BehaviourChange change(String json) throws Exception {
        return BehaviourChange.parse(JSON.readTree(json));
    }

    private static List<Integer> statuses(EchoFaults faults, int count) {
        List<Integer> statuses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            statuses.add(faults.next().status());
        }
        return statuses;
    }
}
