package dev.meshbox.bookinfo.productpage;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Optional;

/** A book in the catalogue; {@code descriptionHtml} is trusted markup written here, not user input. */
@JsonPropertyOrder({"id", "title", "descriptionHtml"})
public record Product(long id, String title, String descriptionHtml) {
    /** Bookinfo sells one book. */
    public static final List<Product> CATALOGUE = List.of(new Product(
            0,
            "The Comedy of Errors",
            "One of <b>William Shakespeare</b>'s earliest and shortest comedies: two pairs of twins, parted in a "
                    + "shipwreck, turn up in the same town on the same day, and nobody can tell who is who."));

    public static Optional<Product> byId(long id) {
        return CATALOGUE.stream().filter(p -> p.id() == id).findFirst();
    }
}
