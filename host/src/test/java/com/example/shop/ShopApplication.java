package com.example.shop;

import dev.pluginhost.host.capability.CapabilityServices.ApplicationCapability;
import dev.pluginhost.host.capability.PluginCaller;
import dev.pluginhost.host.fixtures.ShopPlugin;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * An existing application that embeds the plugin host: one dependency, no host code of its own, plus one capability
 * of its own (an inventory service) that it lends to plugins granted {@code inventory}.
 */
@SpringBootApplication
public class ShopApplication {

    @Bean
    ApplicationCapability inventory() {
        ServerServiceDefinition service = ServerServiceDefinition.builder("shop.Inventory")
                .addMethod(ShopPlugin.STOCK, ServerCalls.asyncUnaryCall((item, response) -> {
                    String caller = PluginCaller.current().orElse("nobody");
                    response.onNext("42 " + item + " (asked by " + caller + ")");
                    response.onCompleted();
                }))
                .build();
        return new ApplicationCapability("inventory", () -> service);
    }
}
