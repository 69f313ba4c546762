package com.example.shop;

import dev.pluginhost.host.security.ApiAudit;
import dev.pluginhost.host.security.ManagementSecurityAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;

/**
 * The shop's own web security: its actuator, health included, is for its admins only; it includes the plugin
 * host's API rules. {@code shop.own-security=false} leaves the shop without a chain of its own.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
@ConditionalOnProperty(name = "shop.own-security", havingValue = "true", matchIfMissing = true)
class ShopSecurity {

    @Bean
    SecurityFilterChain shopSecurityFilterChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(requests -> {
            ManagementSecurityAutoConfiguration.authorizeApi(requests);
            requests.requestMatchers("/actuator/**").hasRole("ADMIN");
            requests.anyRequest().permitAll();
        });
        http.addFilterBefore(ApiAudit.recordCaller(), AuthorizationFilter.class);
        http.httpBasic(Customizer.withDefaults());
        return http.build();
    }
}
